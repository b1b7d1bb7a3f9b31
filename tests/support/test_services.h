// The types, functions and actor factories every node of the cluster conformance suite hosts,
// whether it runs in the test process (local backend) or in a test_node process (native).
//
//   types      "test.pair" = std::tuple<int64_t, int64_t>; Rich, a BOSSA_MESSAGE type under its
//              wire name "bossa::cluster_test::Rich"
//   rpc        "add"(pair) -> int64; "node_name"(int64) -> string; "nodes"(int64) -> how many other
//              nodes are up; "remember"(string) / "recall"(int64) -> string; "claim"(name) -> "ok"
//              or the error of registering a fresh local actor under that global name (a holder
//              that traps exits, notes the first exit signal it takes and stops with it);
//              "holder_exits"(int64) -> those notes, a line "<name>: <reason>" each;
//              "whereis"(name) -> the node id of its holder as this node sees it, 0 if none;
//              "sleep"(int64 ms) -> ms, after sleeping that long on a worker of its node;
//              "sink_stats"(int64) -> test.pair (messages the slow sink took, 1 if all in order);
//              "sink_slow"(int64 1 or 0) makes the slow sink slow (the start) or fast;
//              "dead_letters"(int64) -> the node's dead letters so far;
//              "rich_echo"(Rich) -> the same Rich, its `from` set to the node service's pid;
//              "act"(command) -> "ok", the reply, or the error of what this node did as told:
//              "rpc <node> <function>" (rpc_blocking_call with int64 0), "spawn <node> <factory>"
//              (spawn_remote with int64 0), "send <global name> <string>", "request <global name>
//              <string>" (the reply), "kill <global name>" (an untrappable exit signal),
//              "link <global name>" ("linked", or "exit: <reason>" if an exit signal comes within
//              half a second)
//   factories  "echo" answers a request with its string and sends a string back; "silent" never
//              answers; "crasher" stops with error "crash" on the string "crash"; "sequence" takes
//              int64 0, 1, 2, ... and a request answers how many came in order (-1 once one did
//              not); "collector" takes int64 >= 0 and a request (int64 < 0) answers test.pair (how
//              many, 1 if each was greater than the one before); "counter_server" a Server whose
//              casts (int64) add to a count and whose call (string "get") returns it;
//              "slow_sink"(capacity) a threaded actor whose mailbox holds `capacity` (policy
//              block) and which takes int64 0, 1, 2, ..., one a millisecond while slow (one
//              slow sink per process); "failing_sink"(capacity) the same under policy fail
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "cluster/node.h"
#include "serialization/message_codec.h"

namespace bossa::cluster_test {

using IntPair = std::tuple<int64_t, int64_t>;

// A message of every kind of field BOSSA_MESSAGE takes.
enum class Mood : int8_t { kCalm = -1, kBusy = 1 };
struct Rich {
  std::map<std::string, int64_t> counts;
  std::variant<std::monostate, double, std::string> tag;
  std::optional<Pid> from;
  std::chrono::milliseconds after{0};
  Mood mood = Mood::kCalm;
  std::array<uint16_t, 2> pair{};
  std::vector<Pid> seen;
  friend bool operator==(const Rich&, const Rich&) = default;
};

// Registers everything above on `node`; call before node.start().
absl::Status add_test_services(Node& node);

// What every test node does: registers the services, starts, and registers an "echo" actor as
// global name "echo@<node name>".
absl::Status start_test_node(Node& node);

}  // namespace bossa::cluster_test

BOSSA_MESSAGE(bossa::cluster_test::Rich, counts, tag, from, after, mood, pair, seen);
