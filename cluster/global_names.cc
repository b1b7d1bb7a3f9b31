#include "cluster/global_names.h"

#include <capnp/message.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
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

}  // namespace

GlobalNames::GlobalNames(uint32_t self, absl::Duration claim_timeout, Hooks hooks)
    : self_(self), claim_timeout_(claim_timeout), hooks_(std::move(hooks)) {}

Pid GlobalNames::candidate(const Entry& entry) {
  if (entry.committed.valid()) return entry.committed;
  return entry.pending.empty() ? Pid{} : entry.pending.begin()->first;
}

void GlobalNames::add_pending_locked(Entry& entry, Pid pid, uint64_t claim, Effects& effects) {
  entry.pending[pid] = claim;
  for (auto it = entry.pending.upper_bound(pid); it != entry.pending.end(); ++it) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const Pid revoked = it->first;
    const uint64_t revoked_claim = it->second;
    if (revoked.node == self_) {
      if (auto open = claims_.find(revoked_claim); open != claims_.end()) {
        open->second.denied_by = pid;
        decided_.notify_all();
      }
      continue;
    }
    effects.sends.emplace_back(revoked.node, system_message([&](wire::SystemMessage::Builder m) {
                                 auto deny = m.initNameDeny();
                                 deny.setClaim(revoked_claim);
                                 set_pid(deny.initHolder(), pid);
                               }));
  }
}

absl::Status GlobalNames::register_name(const std::string& name, Pid pid) {
  if (name.empty()) return absl::InvalidArgumentError("a global name cannot be empty");
  if (pid.node != self_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot register '", name, "' for ",
                                                   pid.to_string(),
                                                   ": register a name on the actor's own node"));
  }
  uint64_t id;
  {
    MutexLock send_lock(send_mutex_);
    Effects effects;
    {
      MutexLock lock(mutex_);
      Entry& entry = entries_[name];
      const Pid holder = candidate(entry);
      if (holder == pid && entry.committed == pid) return absl::OkStatus();
      if (holder.valid() && holder != pid && (entry.committed.valid() || holder < pid)) {
        return absl::AlreadyExistsError(
            absl::StrCat("global name '", name, "' is ",
                         entry.committed.valid() ? "registered" : "being registered", " to ",
                         holder.to_string()));
      }
      id = next_claim_++;
      add_pending_locked(entry, pid, id, effects);
      claims_[id] = Claim{name, pid, {}, std::nullopt};
    }
    // The nodes to ask, read after the claim is recorded: a node that goes down from here on is
    // taken off `waiting` by node_down, one already gone is not in the list.
    const std::vector<uint32_t> nodes = hooks_.up_nodes();
    {
      MutexLock lock(mutex_);
      claims_.at(id).waiting.insert(nodes.begin(), nodes.end());
    }
    const std::string request = claim_message(id, name, pid);
    for (uint32_t node : nodes) effects.sends.emplace_back(node, request);
    perform(effects);
  }

  MutexLock wait_lock(mutex_);
  const bool decided =
      decided_.wait_for(mutex_, absl::ToChronoNanoseconds(claim_timeout_),
                        [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
                          const Claim& claim = claims_.at(id);
                          return claim.denied_by.has_value() || claim.waiting.empty();
                        });
  wait_lock.unlock();

  MutexLock send_lock(send_mutex_);
  Effects effects;
  Claim claim;
  {
    MutexLock lock(mutex_);
    claim = std::move(claims_.at(id));
    claims_.erase(id);
    // A commit synced from a node that was away (a partition) may have taken the name meanwhile.
    if (decided && !claim.denied_by.has_value() && !commit_locked(name, pid, effects)) {
      claim.denied_by = entries_.at(name).committed;
      effects.sends.emplace_back(0, entry_message(/*commit=*/false, name, pid));
    } else if (decided && !claim.denied_by.has_value()) {
      effects.sends.emplace_back(0, entry_message(/*commit=*/true, name, pid));
    } else {
      release_locked(name, pid, effects);
      effects.sends.emplace_back(0, entry_message(/*commit=*/false, name, pid));
    }
  }
  perform(effects);
  if (decided && !claim.denied_by.has_value()) return absl::OkStatus();
  if (!decided) {
    return absl::DeadlineExceededError(
        absl::StrCat("global name '", name, "': ", claim.waiting.size(),
                     " node(s) did not answer within ", absl::FormatDuration(claim_timeout_)));
  }
  return absl::AlreadyExistsError(
      absl::StrCat("global name '", name, "' is registered to ", claim.denied_by->to_string()));
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
    effects.sends.emplace_back(0, entry_message(/*commit=*/false, it->first, holder));
    release_locked(std::string(name), holder, effects);
  }
  perform(effects);
  return absl::OkStatus();
}

void GlobalNames::release(const std::string& name, Pid pid) {
  MutexLock send_lock(send_mutex_);
  Effects effects;
  {
    MutexLock lock(mutex_);
    auto it = entries_.find(as_absl(name));
    if (it == entries_.end() || it->second.committed != pid) return;
    release_locked(name, pid, effects);
    effects.sends.emplace_back(0, entry_message(/*commit=*/false, name, pid));
  }
  perform(effects);
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
  entry.pending.erase(pid);
  if (entry.committed == pid) return true;
  if (entry.committed.valid() && entry.committed < pid) return false;
  if (entry.committed.valid() && entry.committed.node == self_) {
    effects.watches.emplace_back(name, entry.committed, false);
    effects.lost.emplace_back(name, entry.committed, pid);
  }
  entry.committed = pid;
  if (pid.node == self_) effects.watches.emplace_back(name, pid, true);
  return true;
}

void GlobalNames::release_locked(const std::string& name, Pid pid, Effects& effects) {
  auto it = entries_.find(as_absl(name));
  if (it == entries_.end()) return;
  it->second.pending.erase(pid);
  if (it->second.committed == pid) {
    it->second.committed = Pid{};
    if (pid.node == self_) effects.watches.emplace_back(name, pid, false);
  }
  if (!it->second.committed.valid() && it->second.pending.empty()) entries_.erase(it);
}

void GlobalNames::perform(Effects& effects) {
  std::vector<uint32_t> everyone;
  bool everyone_known = false;
  for (auto& [node, payload] : effects.sends) {
    if (node != 0) {
      hooks_.send(node, std::move(payload));
      continue;
    }
    if (!everyone_known) {
      everyone = hooks_.up_nodes();
      everyone_known = true;
    }
    for (uint32_t each : everyone) hooks_.send(each, payload);
  }
  for (auto& [name, pid, on] : effects.watches) hooks_.watch(name, pid, on);
  for (auto& [name, loser, winner] : effects.lost) hooks_.lost(name, loser, winner);
}

absl::Status GlobalNames::apply_locked(uint32_t from, const wire::SystemMessage::Reader& message,
                                       Effects& effects) {
  auto untrusted = [&](Pid pid) {
    return absl::InvalidArgumentError(
        absl::StrCat("node ", from, " spoke for ", pid.to_string(), ", an actor of another node"));
  };
  switch (message.which()) {
    case wire::SystemMessage::NAME_CLAIM: {
      auto claim = message.getNameClaim();
      const std::string name = claim.getEntry().getName().cStr();
      const Pid pid = get_pid(claim.getEntry().getPid());
      if (pid.node != from) return untrusted(pid);
      Entry& entry = entries_[name];
      const Pid holder = candidate(entry);
      if (holder.valid() && holder != pid && (entry.committed.valid() || holder < pid)) {
        effects.sends.emplace_back(from, system_message([&](wire::SystemMessage::Builder m) {
                                     auto deny = m.initNameDeny();
                                     deny.setClaim(claim.getClaim());
                                     set_pid(deny.initHolder(), holder);
                                   }));
      } else {
        add_pending_locked(entry, pid, claim.getClaim(), effects);
        effects.sends.emplace_back(from, system_message([&](wire::SystemMessage::Builder m) {
                                     m.setNameGrant(claim.getClaim());
                                   }));
      }
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_GRANT: {
      if (auto it = claims_.find(message.getNameGrant()); it != claims_.end()) {
        it->second.waiting.erase(from);
        decided_.notify_all();
      }
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_DENY: {
      auto deny = message.getNameDeny();
      if (auto it = claims_.find(deny.getClaim()); it != claims_.end()) {
        it->second.denied_by = get_pid(deny.getHolder());
        decided_.notify_all();
      }
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_COMMIT: {
      auto entry = message.getNameCommit();
      const Pid pid = get_pid(entry.getPid());
      if (pid.node != from) return untrusted(pid);
      commit_locked(entry.getName().cStr(), pid, effects);
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_RELEASE: {
      // Any node may unregister any name (unregister_global), as in Erlang.
      auto entry = message.getNameRelease();
      release_locked(entry.getName().cStr(), get_pid(entry.getPid()), effects);
      return absl::OkStatus();
    }
    case wire::SystemMessage::NAME_SYNC: {
      for (auto entry : message.getNameSync()) {
        const Pid pid = get_pid(entry.getPid());
        if (pid.node != from) return untrusted(pid);
        commit_locked(entry.getName().cStr(), pid, effects);
      }
      return absl::OkStatus();
    }
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
  {
    MutexLock lock(mutex_);
    absl::erase_if(entries_, [node](auto& item) {
      Entry& entry = item.second;
      if (entry.committed.node == node) entry.committed = Pid{};
      std::erase_if(entry.pending, [node](const auto& claim) { return claim.first.node == node; });
      return !entry.committed.valid() && entry.pending.empty();
    });
    for (auto& [id, claim] : claims_) claim.waiting.erase(node);
  }
  decided_.notify_all();
}

}  // namespace bossa
