// TypeTables: which message types each peer can read, learnt when it comes up, so that a message a
// peer cannot read fails where it is sent instead of being dropped over there.
//
// At node up each side sends the other the digest of its type table (a hash of every registered
// type's wire id, name and C++ type): one small envelope, the same at every node that runs the
// same program. A node whose digest differs gets the whole table, and sends its own back; each
// side then compares the two and logs, naming the C++ types as written, every type the peer
// lacks, every C++ type registered there under another name, every name with another wire id and
// every wire id under another name. Each type the peer cannot read becomes a gap: unreadable()
// says why, and the cluster refuses to send it there. A peer that could not read a message all
// the same (sent before the tables met) says so with an unread message, which adds the gap too.
// Payloads are SystemMessages (cluster/system.capnp), read as untrusted input.
//
// Thread-safety: on_system, add_gap and node_down from the transport's thread; unreadable and
// peer_type from any thread. While no peer has a gap, unreadable() is one relaxed atomic load.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "base/mutex.h"
#include "runtime/pid.h"
#include "serialization/codec_registry.h"
#include "serialization/decode_limits.h"

namespace bossa {

class TypeTables {
 public:
  explicit TypeTables(const CodecRegistry& codecs) : codecs_(codecs) {}
  TypeTables(const TypeTables&) = delete;
  TypeTables& operator=(const TypeTables&) = delete;

  // The digest of this node's types, as a system payload for a node that came up.
  std::string digest_message() const;
  // A system payload for the node message `from` -> `to` came from: it was of wire type
  // `type_id` and could not be read here, for `reason`.
  static std::string unread_message(uint64_t type_id, Pid to, Pid from, std::string_view reason);

  // What a type message from node `from` calls for.
  struct Unread {
    uint64_t type_id = 0;
    Pid to;
    Pid from;
    std::string reason;
  };
  struct Outcome {
    bool handled = false;               // false: not a type message
    std::optional<std::string> reply;   // this node's table, to send to `from`
    std::vector<std::string> problems;  // what does not match, one line each, to log
    std::optional<Unread> unread;       // `from` could not read a message of this node's
  };
  // Reads an untrusted system payload of node `from` (called `peer` in what it logs).
  // InvalidArgument if it does not decode or holds an oversized table.
  absl::StatusOr<Outcome> on_system(uint32_t from, std::string_view peer, std::string_view payload,
                                    const DecodeLimits& limits);

  // Node `node` cannot read wire type `type_id` of this node, for `why`.
  void add_gap(uint32_t node, uint64_t type_id, std::string why);
  // Why node `node` cannot read this node's wire type `type_id`; nullopt if it can, as far as
  // this node knows.
  std::optional<std::string> unreadable(uint32_t node, uint64_t type_id) const {
    if (peers_with_gaps_.load(std::memory_order_relaxed) == 0) return std::nullopt;
    return find_gap(node, type_id);
  }
  // How node `node` registers its wire type `type_id` ("'shop.order' (C++ shop::Order)"), if its
  // table has come.
  std::optional<std::string> peer_type(uint32_t node, uint64_t type_id) const;
  // Forgets what node `node` has.
  void node_down(uint32_t node);

 private:
  struct Entry {
    uint64_t id = 0;
    std::string name;
    std::string cxx_name;
  };
  struct Peer {
    bool table_sent = false;
    absl::flat_hash_map<uint64_t, std::string> gaps;   // this node's wire id -> why not
    absl::flat_hash_map<uint64_t, std::string> types;  // the peer's wire id -> how it is called
  };

  // This node's types, by wire id, and their digest.
  std::vector<Entry> own_entries() const;
  uint64_t digest() const;
  std::string table_message() const;
  // Compares node `node`'s table with this node's: what to log, and the peer's gaps and types.
  void compare(uint32_t node, std::string_view peer, const std::vector<Entry>& theirs,
               Outcome& outcome);
  // The table for node `node`, if not sent yet.
  std::optional<std::string> table_once(uint32_t node);
  std::optional<std::string> find_gap(uint32_t node, uint64_t type_id) const;
  void count_gaps_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const CodecRegistry& codecs_;
  mutable Mutex mutex_;
  absl::flat_hash_map<uint32_t, Peer> peers_ ABSL_GUARDED_BY(mutex_);
  std::atomic<int> peers_with_gaps_{0};
};

}  // namespace bossa
