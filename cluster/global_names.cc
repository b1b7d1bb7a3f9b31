#include "cluster/global_names.h"

#include <capnp/message.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "cluster/name_home.h"
#include "cluster/system.capnp.h"
#include "serialization/capnp_frame.h"

namespace bossa {
namespace {

void set_pid(wire::Pid::Builder out, Pid pid) {
  out.setNode(pid.node);
  out.setSerial(pid.serial);
}

Pid get_pid(wire::Pid::Reader in) {
  return Pid{in.getNode(), in.getSerial()};
}

void set_entry(wire::NameEntry::Builder out, const std::string& name, Pid pid) {
  out.setName(name);
  set_pid(out.initPid(), pid);
}

// Builds one SystemMessage with `fill` and returns its bytes.
template <class Fill>
std::string system_message(Fill fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<wire::SystemMessage>());
  return capnp_frame::write(message);
}

std::string claim_message(uint64_t claim, const std::string& name, Pid pid) {
  return system_message([&](wire::SystemMessage::Builder m) {
    auto claim_group = m.initNameClaim();
    claim_group.setClaim(claim);
    set_entry(claim_group.initEntry(), name, pid);
  });
}

std::string entry_message(bool commit, const std::string& name, Pid pid) {
  return system_message([&](wire::SystemMessage::Builder m) {
    set_entry(commit ? m.initNameCommit() : m.initNameRelease(), name, pid);
  });
}

std::string answer_message(uint64_t claim, std::optional<Pid> denied_by) {
  return system_message([&](wire::SystemMessage::Builder m) {
    if (!denied_by.has_value()) {
      m.setNameGrant(claim);
      return;
    }
    auto deny = m.initNameDeny();
    deny.setClaim(claim);
    set_pid(deny.initHolder(), *denied_by);
  });
}

absl::Status taken(const std::string& name, Pid holder, bool committed) {
  return absl::AlreadyExistsError(absl::StrCat("global name '", name, "' is ",
                                               committed ? "registered" : "being registered",
                                               " to ", holder.to_string()));
}

}  // namespace

GlobalNames::GlobalNames(uint32_t self, absl::Duration claim_timeout, Hooks hooks)
    : self_(self), claim_timeout_(claim_timeout), hooks_(std::move(hooks)) {}

std::optional<Pid> GlobalNames::blocker_locked(const std::string& name, Pid pid) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  const Entry& entry = it->second;
  if (entry.committed.valid() && entry.committed != pid) return entry.committed;
  if (entry.reserved.valid() && entry.reserved != pid && Clock::now() < entry.reserved_until) {
    return entry.reserved;
  }
  return std::nullopt;
}

absl::Status GlobalNames::register_name(const std::string& name, Pid pid) {
  if (name.empty()) return absl::InvalidArgumentError("a global name cannot be empty");
  if (pid.node != self_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot register '", name, "' for ",
                                                   pid.to_string(),
                                                   ": register a name on the actor's own node"));
  }
  {
    MutexLock lock(outbox_mutex_);
    ++registering_;
  }
  uint64_t ticket = 0;
  absl::Status status = claim(name, pid, ticket);
  MutexLock lock(outbox_mutex_);
  if (ticket == 0) {
    --registering_;
    outbox_changed_.notify_all();
  }
  // A thread sending commits already sends this one too; the caller's later remote sends wait
  // for it (await_sent).
  if (!flushing_) flush_locked(ticket);
  return status;
}

absl::Status GlobalNames::claim(const std::string& name, Pid pid, uint64_t& ticket) {
  const Clock::time_point deadline = Clock::now() + absl::ToChronoNanoseconds(claim_timeout_);
  uint64_t id = 0;
  for (;;) {
    uint64_t downs;
    {
      MutexLock lock(mutex_);
      downs = downs_;
    }
    // The view is read after `downs`: a home that goes down from here on bumps it, and the claim
    // is routed again; one already gone is not in the view.
    std::vector<uint32_t> nodes = hooks_.up_nodes();
    nodes.push_back(self_);
    const uint32_t home = name_home(name, nodes);
    MutexLock send_lock(send_mutex_);
    Effects effects;
    std::optional<absl::Status> decided;
    {
      MutexLock lock(mutex_);
      if (downs != downs_) continue;
      decided = route_locked(id, name, pid, home, effects);
    }
    ticket = perform(effects);
    send_lock.unlock();
    if (decided.has_value()) return *decided;
    if (await_answer(id, deadline)) return finish(id, ticket);
  }
}

std::optional<absl::Status> GlobalNames::route_locked(uint64_t& id, const std::string& name,
                                                      Pid pid, uint32_t home, Effects& effects) {
  auto it = entries_.find(name);
  const bool held = it != entries_.end() && it->second.committed == pid;
  const std::optional<Pid> blocker = blocker_locked(name, pid);
  if (held || blocker.has_value() || home == self_) {
    if (id != 0) claims_.erase(id);
    if (held) return absl::OkStatus();
    if (blocker.has_value()) return taken(name, *blocker, entries_.at(name).committed.valid());
    commit_locked(name, pid, effects);
    effects.broadcasts.push_back(Broadcast{.commit = true, .name = name, .pid = pid});
    effects.registration = true;
    return absl::OkStatus();
  }
  if (id == 0) {
    id = next_claim_++;
    claims_[id] = Claim{.name = name, .pid = pid, .denied_by = std::nullopt};
  }
  claims_.at(id).home = home;
  effects.sends.emplace_back(home, claim_message(id, name, pid));
  return std::nullopt;
}

bool GlobalNames::await_answer(uint64_t id, Clock::time_point deadline) {
  MutexLock lock(mutex_);
  // Looked up at each wake: another claim may move it meanwhile.
  auto answered = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    const Claim& claim = claims_.at(id);
    return claim.granted || claim.denied_by.has_value();
  };
  const bool woken =
      decided_.wait_until(mutex_, deadline, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return answered() || claims_.at(id).home == 0;
      });
  return !woken || answered();
}

absl::Status GlobalNames::finish(uint64_t id, uint64_t& ticket) {
  MutexLock send_lock(send_mutex_);
  Effects effects;
  absl::Status status;
  {
    MutexLock lock(mutex_);
    Claim claim = std::move(claims_.at(id));
    claims_.erase(id);
    if (claim.denied_by.has_value() && !claim.denied_by->valid()) {
      status = absl::PermissionDeniedError(
          absl::StrCat("global name '", claim.name, "': its home node ", claim.home,
                       " refused the claim: not authorized: names ", claim.name));
    } else if (claim.denied_by.has_value()) {
      status = taken(claim.name, *claim.denied_by, /*committed=*/true);
    } else if (!claim.granted) {
      status = absl::DeadlineExceededError(absl::StrCat(
          "global name '", claim.name, "': ",
          claim.home == 0 ? std::string("its home nodes went down")
                          : absl::StrCat("its home node ", claim.home, " did not answer"),
          " within ", absl::FormatDuration(claim_timeout_)));
    } else if (commit_locked(claim.name, claim.pid, effects)) {
      effects.broadcasts.push_back(Broadcast{.commit = true, .name = claim.name, .pid = claim.pid});
      effects.registration = true;
      claim.home = 0;  // the commit frees the reservation
    } else {
      // A commit synced from a node that was away (a partition) took the name meanwhile.
      status = taken(claim.name, entries_.at(claim.name).committed, /*committed=*/true);
    }
    if (claim.home != 0 && !claim.denied_by.has_value()) {
      effects.sends.emplace_back(claim.home,
                                 entry_message(/*commit=*/false, claim.name, claim.pid));
    }
  }
  ticket = perform(effects);
  return status;
}

absl::Status GlobalNames::unregister_name(std::string_view name) {
  MutexLock send_lock(send_mutex_);
  Effects effects;
  {
    MutexLock lock(mutex_);
    auto it = entries_.find(as_absl(name));
    if (it == entries_.end() || !it->second.committed.valid()) {
      return absl::NotFoundError(
          absl::StrCat("no actor is registered as global name '", as_absl(name), "'"));
    }
    const Pid holder = it->second.committed;
    effects.broadcasts.push_back(Broadcast{.commit = false, .name = it->first, .pid = holder});
    release_locked(std::string(name), holder, /*reservation=*/true, effects);
  }
  const uint64_t ticket = perform(effects);
  send_lock.unlock();
  flush(ticket);
  return absl::OkStatus();
}

void GlobalNames::release(const std::string& name, Pid pid) {
  MutexLock send_lock(send_mutex_);
  Effects effects;
  {
    MutexLock lock(mutex_);
    auto it = entries_.find(as_absl(name));
    if (it == entries_.end() || it->second.committed != pid) return;
    release_locked(name, pid, /*reservation=*/true, effects);
    effects.broadcasts.push_back(Broadcast{.commit = false, .name = name, .pid = pid});
  }
  const uint64_t ticket = perform(effects);
  send_lock.unlock();
  flush(ticket);
}

std::optional<Pid> GlobalNames::whereis(std::string_view name) const {
  MutexLock lock(mutex_);
  auto it = entries_.find(as_absl(name));
  if (it == entries_.end() || !it->second.committed.valid()) return std::nullopt;
  return it->second.committed;
}

std::vector<std::string> GlobalNames::names() const {
  MutexLock lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, entry] : entries_) {
    if (entry.committed.valid()) names.push_back(name);
  }
  return names;
}

bool GlobalNames::commit_locked(const std::string& name, Pid pid, Effects& effects) {
  Entry& entry = entries_[name];
  if (entry.reserved == pid) entry.reserved = Pid{};
  if (entry.committed == pid) return true;
  if (entry.committed.valid() && entry.committed < pid) return false;
  if (entry.committed.valid() && entry.committed.node == self_) {
    effects.watches.emplace_back(name, entry.committed, false);
    effects.lost.emplace_back(name, entry.committed, pid);
  }
  entry.committed = pid;
  if (pid.node == self_) effects.watches.emplace_back(name, pid, true);
  moved_locked(name, pid, effects);
  committed_.notify_all();
  return true;
}

void GlobalNames::moved_locked(const std::string& name, Pid now, Effects& effects) {
  auto it = watches_.find(as_absl(name));
  if (it == watches_.end()) return;
  std::erase_if(it->second, [&](const NameWatch& watch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (watch.holder == now) return false;
    effects.left.push_back(NameLeft{watch.watcher, watch.id, name, watch.holder, now});
    watched_names_.erase(watch.id);
    return true;
  });
  if (it->second.empty()) watches_.erase(it);
}

void GlobalNames::release_locked(const std::string& name, Pid pid, bool reservation,
                                 Effects& effects) {
  auto it = entries_.find(as_absl(name));
  if (it == entries_.end()) return;
  if (reservation && it->second.reserved == pid) it->second.reserved = Pid{};
  if (it->second.committed == pid) {
    it->second.committed = Pid{};
    if (pid.node == self_) effects.watches.emplace_back(name, pid, false);
    moved_locked(name, Pid{}, effects);
  }
  if (!it->second.committed.valid() && !it->second.reserved.valid()) entries_.erase(it);
}

uint64_t GlobalNames::perform(Effects& effects) {
  for (auto& [node, payload] : effects.sends) hooks_.send(node, std::move(payload));
  for (auto& [name, pid, on] : effects.watches) hooks_.watch(name, pid, on);
  for (auto& [name, loser, winner] : effects.lost) hooks_.lost(name, loser, winner);
  if (hooks_.left) {
    for (const NameLeft& left : effects.left) hooks_.left(left);
  }
  if (effects.broadcasts.empty()) return 0;
  MutexLock lock(outbox_mutex_);
  for (Broadcast& broadcast : effects.broadcasts) outbox_.push_back(std::move(broadcast));
  queued_ += effects.broadcasts.size();
  unsent_.store(true, std::memory_order_release);
  if (effects.registration) --registering_;
  outbox_changed_.notify_all();
  return queued_;
}

void GlobalNames::flush(uint64_t ticket) {
  MutexLock lock(outbox_mutex_);
  flush_locked(ticket);
}

void GlobalNames::await_sent() {
  if (!unsent_.load(std::memory_order_acquire)) return;
  MutexLock lock(outbox_mutex_);
  flush_locked(queued_);
}

void GlobalNames::flush_locked(uint64_t ticket) {
  while (sent_ < ticket) {
    if (flushing_) {
      outbox_changed_.wait(outbox_mutex_);
      continue;
    }
    // This thread sends all that is queued, batch after batch, including what registrations
    // queue meanwhile (they do not wait); each batch takes what registrations under way queue
    // within kLinger: of registrations that run side by side, one message carries the commits
    // to each node.
    flushing_ = true;
    while (sent_ < queued_) {
      const Clock::time_point until = Clock::now() + kLinger;
      while (registering_ > 0 && outbox_.size() < kCommitsPerMessage &&
             outbox_changed_.wait_until(outbox_mutex_, until)) {
      }
      std::vector<Broadcast> batch = std::exchange(outbox_, {});
      const uint64_t last = queued_;
      outbox_mutex_.unlock();
      const std::vector<std::string> messages = broadcast_messages(batch);
      const std::vector<uint32_t> everyone = hooks_.up_nodes();
      for (const std::string& message : messages) {
        for (uint32_t node : everyone) hooks_.send(node, message);
      }
      outbox_mutex_.lock();
      sent_ = last;
      outbox_changed_.notify_all();
    }
    flushing_ = false;
    unsent_.store(false, std::memory_order_release);
    outbox_changed_.notify_all();
  }
}

std::vector<std::string> GlobalNames::broadcast_messages(const std::vector<Broadcast>& batch) {
  std::vector<std::string> messages;
  for (size_t i = 0; i < batch.size();) {
    if (!batch[i].commit) {
      messages.push_back(entry_message(/*commit=*/false, batch[i].name, batch[i].pid));
      ++i;
      continue;
    }
    size_t end = i;
    while (end < batch.size() && batch[end].commit && end - i < kCommitsPerMessage) ++end;
    if (end - i == 1) {
      messages.push_back(entry_message(/*commit=*/true, batch[i].name, batch[i].pid));
    } else {
      messages.push_back(system_message([&](wire::SystemMessage::Builder m) {
        auto list = m.initNameCommits(static_cast<unsigned>(end - i));
        for (size_t k = i; k < end; ++k) {
          set_entry(list[static_cast<unsigned>(k - i)], batch[k].name, batch[k].pid);
        }
      }));
    }
    i = end;
  }
  return messages;
}

void GlobalNames::answer_claim_locked(uint32_t from, uint64_t claim, const std::string& name,
                                      Pid pid, Effects& effects) {
  const std::optional<Pid> blocker = blocker_locked(name, pid);
  if (!blocker.has_value()) {
    Entry& entry = entries_[name];
    if (entry.committed != pid) {
      entry.reserved = pid;
      entry.reserved_until = Clock::now() + absl::ToChronoNanoseconds(claim_timeout_);
    }
  }
  effects.sends.emplace_back(from, answer_message(claim, blocker));
}

absl::Status GlobalNames::apply_locked(uint32_t from, const wire::SystemMessage::Reader& message,
                                       Effects& effects) {
  // A claim, commit or sync must name a name and an actor of its sender.
  auto refused = [&](const std::string& name, Pid pid) -> std::optional<absl::Status> {
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("node ", from, " sent an empty global name"));
    }
    if (pid.node == from) return std::nullopt;
    return absl::InvalidArgumentError(
        absl::StrCat("node ", from, " spoke for ", pid.to_string(), ", an actor of another node"));
  };
  switch (message.which()) {
    case wire::SystemMessage::NAME_CLAIM: {
      auto claim = message.getNameClaim();
      const std::string name = claim.getEntry().getName().cStr();
      const Pid pid = get_pid(claim.getEntry().getPid());
      if (auto refusal = refused(name, pid)) return *refusal;
      answer_claim_locked(from, claim.getClaim(), name, pid, effects);
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_GRANT:
    case wire::SystemMessage::NAME_DENY: {
      const bool grant = message.isNameGrant();
      const uint64_t id = grant ? message.getNameGrant() : message.getNameDeny().getClaim();
      // Only the home asked answers; a late answer from a home that went down is ignored.
      auto it = claims_.find(id);
      if (it == claims_.end() || it->second.home != from) return absl::OkStatus();
      if (grant) {
        it->second.granted = true;
      } else {
        it->second.denied_by = get_pid(message.getNameDeny().getHolder());
      }
      decided_.notify_all();
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_COMMIT: {
      auto entry = message.getNameCommit();
      const std::string name = entry.getName().cStr();
      const Pid pid = get_pid(entry.getPid());
      if (auto refusal = refused(name, pid)) return *refusal;
      commit_locked(name, pid, effects);
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_RELEASE: {
      // Any node may unregister any name (unregister_global), as in Erlang.
      auto entry = message.getNameRelease();
      // A reservation is let go only by the claimant's own node.
      const Pid pid = get_pid(entry.getPid());
      release_locked(entry.getName().cStr(), pid, /*reservation=*/pid.node == from, effects);
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_SYNC:
    case wire::SystemMessage::NAME_COMMITS: {
      // All or nothing: every entry is checked before any is applied.
      const auto entries = message.isNameSync() ? message.getNameSync() : message.getNameCommits();
      for (auto entry : entries) {
        if (auto refusal = refused(entry.getName().cStr(), get_pid(entry.getPid()))) {
          return *refusal;
        }
      }
      for (auto entry : entries)
        commit_locked(entry.getName().cStr(), get_pid(entry.getPid()), effects);
      return absl::OkStatus();
    }
    case wire::SystemMessage::TYPE_DIGEST:
    case wire::SystemMessage::TYPE_TABLE:
    case wire::SystemMessage::TYPE_UNREAD:
      break;  // the cluster's type tables (cluster/type_tables.h) take these
  }
  return absl::InvalidArgumentError(
      absl::StrCat("system message of unknown kind ", static_cast<int>(message.which())));
}

absl::Status GlobalNames::on_system(uint32_t from, std::string_view payload,
                                    const DecodeLimits& limits) {
  MutexLock send_lock(send_mutex_);
  Effects effects;
  absl::Status status =
      capnp_frame::read(payload, limits, "system message", [&](capnp::MessageReader& reader) {
        MutexLock lock(mutex_);
        return apply_locked(from, reader.getRoot<wire::SystemMessage>(), effects);
      });
  perform(effects);
  return status;
}

absl::StatusOr<GlobalNames::Asked> GlobalNames::asked(std::string_view payload,
                                                      const DecodeLimits& limits) {
  Asked asked;
  absl::Status status =
      capnp_frame::read(payload, limits, "system message", [&](capnp::MessageReader& reader) {
        const auto message = reader.getRoot<wire::SystemMessage>();
        switch (message.which()) {
          case wire::SystemMessage::NAME_GRANT:
          case wire::SystemMessage::NAME_DENY:
            asked.answer = true;
            break;
          case wire::SystemMessage::NAME_CLAIM:
            asked.claim = message.getNameClaim().getClaim();
            asked.names.emplace_back(message.getNameClaim().getEntry().getName().cStr());
            break;
          case wire::SystemMessage::NAME_COMMIT:
            asked.names.emplace_back(message.getNameCommit().getName().cStr());
            break;
          case wire::SystemMessage::NAME_RELEASE:
            asked.names.emplace_back(message.getNameRelease().getName().cStr());
            break;
          case wire::SystemMessage::NAME_SYNC:
          case wire::SystemMessage::NAME_COMMITS:
            for (auto entry :
                 message.isNameSync() ? message.getNameSync() : message.getNameCommits()) {
              asked.names.emplace_back(entry.getName().cStr());
            }
            break;
          case wire::SystemMessage::TYPE_DIGEST:
          case wire::SystemMessage::TYPE_TABLE:
          case wire::SystemMessage::TYPE_UNREAD:
            asked.answer = true;  // what a node can read: any peer may say it
            break;
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return asked;
}

void GlobalNames::refuse_claim(uint32_t from, uint64_t claim) {
  MutexLock send_lock(send_mutex_);
  hooks_.send(from, answer_message(claim, Pid{}));
}

void GlobalNames::node_up(uint32_t node) {
  MutexLock send_lock(send_mutex_);
  std::string sync;
  {
    MutexLock lock(mutex_);
    std::vector<std::pair<std::string, Pid>> own;
    for (const auto& [name, entry] : entries_) {
      if (entry.committed.node == self_) own.emplace_back(name, entry.committed);
    }
    if (own.empty()) return;
    sync = system_message([&](wire::SystemMessage::Builder m) {
      auto list = m.initNameSync(static_cast<unsigned>(own.size()));
      for (size_t i = 0; i < own.size(); ++i) {
        set_entry(list[static_cast<unsigned>(i)], own[i].first, own[i].second);
      }
    });
  }
  hooks_.send(node, std::move(sync));
}

void GlobalNames::node_down(uint32_t node) {
  Effects effects;
  {
    MutexLock lock(mutex_);
    std::vector<std::string> released;
    absl::erase_if(entries_, [node, &released](auto& item) {
      Entry& entry = item.second;
      if (entry.committed.node == node) {
        entry.committed = Pid{};
        released.push_back(item.first);
      }
      if (entry.reserved.node == node) entry.reserved = Pid{};
      return !entry.committed.valid() && !entry.reserved.valid();
    });
    for (const std::string& name : released) moved_locked(name, Pid{}, effects);
    for (auto& [id, claim] : claims_) {
      if (claim.home == node && !claim.granted && !claim.denied_by.has_value()) claim.home = 0;
    }
    ++downs_;
  }
  decided_.notify_all();
  if (hooks_.left) {
    for (const NameLeft& left : effects.left) hooks_.left(left);
  }
}

std::optional<Pid> GlobalNames::await(std::string_view name, absl::Duration timeout) const {
  const Clock::time_point deadline = Clock::now() + absl::ToChronoNanoseconds(timeout);
  MutexLock lock(mutex_);
  std::optional<Pid> holder;
  committed_.wait_until(mutex_, deadline, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    auto it = entries_.find(as_absl(name));
    if (it != entries_.end() && it->second.committed.valid()) holder = it->second.committed;
    return holder.has_value();
  });
  return holder;
}

GlobalNames::Watch GlobalNames::watch(const std::string& name, Pid watcher) {
  Watch watch;
  {
    MutexLock lock(mutex_);
    watch.id = next_watch_++;
    auto it = entries_.find(as_absl(name));
    if (it != entries_.end()) watch.holder = it->second.committed;
    if (watch.holder.valid()) {
      watches_[name].push_back(NameWatch{watch.id, watcher, watch.holder});
      watched_names_.emplace(watch.id, name);
      return watch;
    }
  }
  if (hooks_.left) hooks_.left(NameLeft{watcher, watch.id, name, Pid{}, Pid{}});
  return watch;
}

bool GlobalNames::unwatch(Pid watcher, uint64_t id) {
  MutexLock lock(mutex_);
  auto named = watched_names_.find(id);
  if (named == watched_names_.end()) return false;
  auto it = watches_.find(named->second);
  if (it == watches_.end()) return false;
  const size_t erased = std::erase_if(
      it->second, [&](const NameWatch& w) { return w.id == id && w.watcher == watcher; });
  if (erased == 0) return false;
  if (it->second.empty()) watches_.erase(it);
  watched_names_.erase(named);
  return true;
}

void GlobalNames::unwatch_all(Pid watcher) {
  MutexLock lock(mutex_);
  absl::erase_if(watches_, [&](auto& item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    std::erase_if(item.second, [&](const NameWatch& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      if (w.watcher != watcher) return false;
      watched_names_.erase(w.id);
      return true;
    });
    return item.second.empty();
  });
}

}  // namespace bossa
