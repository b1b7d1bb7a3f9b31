#include "cluster/type_tables.h"

#include <algorithm>
#include <utility>

#include <capnp/message.h>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "cluster/system.capnp.h"
#include "serialization/capnp_frame.h"

namespace bossa {
namespace {

// More types than any program registers; a longer table is refused as hostile.
constexpr size_t kMaxEntries = 1 << 16;

uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string written(const char* name, const std::string& cxx_name) {
  return absl::StrCat("'", name, "' (C++ ", cxx_name, ")");
}

template <class Fill>
std::string system_message(Fill fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<wire::SystemMessage>());
  return capnp_frame::write(message);
}

}  // namespace

std::vector<TypeTables::Entry> TypeTables::own_entries() const {
  std::vector<Entry> entries;
  for (const TypeCodec* codec : codecs_.entries()) {
    entries.push_back(Entry{codec->wire_id, codec->name, codec->cxx_name});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.id < b.id; });
  return entries;
}

uint64_t TypeTables::digest() const {
  uint64_t digest = 0xcbf29ce484222325ULL;
  for (const Entry& entry : own_entries()) {
    digest = fnv1a(digest, absl::StrCat(absl::Hex(entry.id, absl::kZeroPad16)));
    digest = fnv1a(digest, std::string_view(entry.name.c_str(), entry.name.size() + 1));
    digest = fnv1a(digest, std::string_view(entry.cxx_name.c_str(), entry.cxx_name.size() + 1));
  }
  return digest;
}

std::string TypeTables::digest_message() const {
  const uint64_t value = digest();
  return system_message([&](wire::SystemMessage::Builder out) { out.setTypeDigest(value); });
}

std::string TypeTables::table_message() const {
  const std::vector<Entry> entries = own_entries();
  return system_message([&](wire::SystemMessage::Builder out) {
    auto list = out.initTypeTable(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      list[i].setId(entries[i].id);
      list[i].setName(entries[i].name);
      list[i].setCxxType(entries[i].cxx_name);
    }
  });
}

std::string TypeTables::unread_message(uint64_t type_id, Pid to, Pid from,
                                       std::string_view reason) {
  return system_message([&](wire::SystemMessage::Builder out) {
    auto unread = out.initTypeUnread();
    unread.setTypeId(type_id);
    unread.initTo().setNode(to.node);
    unread.getTo().setSerial(to.serial);
    unread.initFrom().setNode(from.node);
    unread.getFrom().setSerial(from.serial);
    unread.setReason(capnp::Text::Reader(reason.data(), reason.size()));
  });
}

absl::StatusOr<TypeTables::Outcome> TypeTables::on_system(uint32_t from, std::string_view peer,
                                                          std::string_view payload,
                                                          const DecodeLimits& limits) {
  Outcome outcome;
  std::optional<uint64_t> digest;
  std::vector<Entry> theirs;
  bool table = false;
  absl::Status read =
      capnp_frame::read(payload, limits, "system message", [&](capnp::MessageReader& reader) {
        const auto message = reader.getRoot<wire::SystemMessage>();
        switch (message.which()) {
          case wire::SystemMessage::TYPE_DIGEST:
            digest = message.getTypeDigest();
            break;
          case wire::SystemMessage::TYPE_TABLE: {
            const auto list = message.getTypeTable();
            if (list.size() > kMaxEntries) {
              return absl::InvalidArgumentError(
                  absl::StrCat("a type table of ", list.size(), " entries"));
            }
            table = true;
            for (const auto entry : list) {
              theirs.push_back(
                  Entry{entry.getId(), entry.getName().cStr(), entry.getCxxType().cStr()});
            }
            break;
          }
          case wire::SystemMessage::TYPE_UNREAD: {
            const auto unread = message.getTypeUnread();
            outcome.unread = Unread{unread.getTypeId(),
                                    Pid{unread.getTo().getNode(), unread.getTo().getSerial()},
                                    Pid{unread.getFrom().getNode(), unread.getFrom().getSerial()},
                                    unread.getReason().cStr()};
            break;
          }
          default:
            return absl::OkStatus();  // the global names'
        }
        outcome.handled = true;
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  if (digest.has_value()) {
    if (*digest != this->digest()) outcome.reply = table_once(from);
  } else if (table) {
    compare(from, peer, theirs, outcome);
    outcome.reply = table_once(from);
  }
  return outcome;
}

std::optional<std::string> TypeTables::table_once(uint32_t node) {
  {
    MutexLock lock(mutex_);
    bool& sent = peers_[node].table_sent;
    if (sent) return std::nullopt;
    sent = true;
  }
  return table_message();
}

void TypeTables::compare(uint32_t node, std::string_view peer, const std::vector<Entry>& theirs,
                         Outcome& outcome) {
  absl::flat_hash_map<uint64_t, const Entry*> their_ids;
  absl::flat_hash_map<std::string, const Entry*> their_names, their_types;
  for (const Entry& entry : theirs) {
    their_ids.emplace(entry.id, &entry);
    their_names.emplace(entry.name, &entry);
    their_types.emplace(entry.cxx_name, &entry);
  }
  const std::string there = absl::StrCat("node '", as_absl(peer), "'");
  absl::flat_hash_map<uint64_t, std::string> gaps;
  absl::flat_hash_map<std::string, const Entry*> own_names, own_types;
  const std::vector<Entry> own = own_entries();
  for (const Entry& entry : own) {
    own_names.emplace(entry.name, &entry);
    own_types.emplace(entry.cxx_name, &entry);
    std::string why;
    if (auto id = their_ids.find(entry.id); id != their_ids.end()) {
      if (id->second->name == entry.name) continue;
      why = absl::StrCat("its wire id ", absl::Hex(entry.id), " is ",
                         written(id->second->name.c_str(), id->second->cxx_name), " there");
    } else if (auto name = their_names.find(entry.name); name != their_names.end()) {
      why = absl::StrCat("it has '", entry.name, "' under wire id ", absl::Hex(name->second->id),
                         ", not ", absl::Hex(entry.id));
    } else if (auto type = their_types.find(entry.cxx_name); type != their_types.end()) {
      why = absl::StrCat("it registers that C++ type as '", type->second->name, "'");
    } else {
      why = absl::StrCat("it has no type registered as '", entry.name, "'");
    }
    std::string line = absl::StrCat(there, " cannot read C++ type ", entry.cxx_name,
                                    " (registered here as '", entry.name, "'): ", why);
    outcome.problems.push_back(line);
    gaps.emplace(entry.id, std::move(line));
  }
  absl::flat_hash_map<uint64_t, std::string> types;
  for (const Entry& entry : theirs) {
    types.emplace(entry.id, written(entry.name.c_str(), entry.cxx_name));
    // A type this node has under another name or id was named above.
    if (own_names.contains(entry.name) || own_types.contains(entry.cxx_name)) continue;
    if (std::any_of(own.begin(), own.end(), [&](const Entry& e) { return e.id == entry.id; })) {
      continue;
    }
    outcome.problems.push_back(absl::StrCat(
        there, " has C++ type ", entry.cxx_name, " registered as '", entry.name,
        "', which this node has not registered: messages of it from there cannot be read here"));
  }
  MutexLock lock(mutex_);
  Peer& state = peers_[node];
  state.gaps = std::move(gaps);
  state.types = std::move(types);
  count_gaps_locked();
}

void TypeTables::add_gap(uint32_t node, uint64_t type_id, std::string why) {
  MutexLock lock(mutex_);
  peers_[node].gaps.insert_or_assign(type_id, std::move(why));
  count_gaps_locked();
}

std::optional<std::string> TypeTables::find_gap(uint32_t node, uint64_t type_id) const {
  MutexLock lock(mutex_);
  auto peer = peers_.find(node);
  if (peer == peers_.end()) return std::nullopt;
  auto gap = peer->second.gaps.find(type_id);
  if (gap == peer->second.gaps.end()) return std::nullopt;
  return gap->second;
}

std::optional<std::string> TypeTables::peer_type(uint32_t node, uint64_t type_id) const {
  MutexLock lock(mutex_);
  auto peer = peers_.find(node);
  if (peer == peers_.end()) return std::nullopt;
  auto type = peer->second.types.find(type_id);
  if (type == peer->second.types.end()) return std::nullopt;
  return type->second;
}

void TypeTables::node_down(uint32_t node) {
  MutexLock lock(mutex_);
  peers_.erase(node);
  count_gaps_locked();
}

void TypeTables::count_gaps_locked() {
  int count = 0;
  for (const auto& [id, peer] : peers_) count += peer.gaps.empty() ? 0 : 1;
  peers_with_gaps_.store(count, std::memory_order_relaxed);
}

}  // namespace bossa
