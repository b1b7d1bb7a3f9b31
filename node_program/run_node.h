// run_node: the whole of a bossa node program, for a main() that only says which services its
// node hosts and what it does once up:
//
//   int main(int argc, char** argv) { return bossa::run_node(argc, argv, register_services); }
//   int main(int argc, char** argv) {
//     return bossa::run_node(argc, argv, {.register_services = register_services,
//                                         .on_started = spawn_my_actors});
//   }
//
// It reads the command line and the config with the flags' overrides, creates the node, lets
// `register_services` register its types, rpc functions and factories, starts the node (with the
// status service, and metrics with --metrics_port), calls `on_started`, prints "<name> is up at
// <endpoint>" on stdout (then "; gateway at <endpoint>" with a [gateway], "; metrics at <url>" with
// metrics) and runs until SIGINT or SIGTERM; then it calls `on_stopping`, stops the node and
// returns 0. The hooks run on main's thread; the node is fully at work in both (actors run, names
// register, other nodes are reached). A hook that fails ends the program with code 1 (the node is
// stopped first). The `status` command
// asks another node for its status instead; --help prints the usage and flags. Exit codes: 0 done
// (--help and --version too); 1 the node could not be created or started, or no status came
// back; 2 a bad command line or config file. docs/user-guide.md
// ("Running a cluster") describes the program.
// Call it from main's thread before any other thread starts: to run a node it blocks SIGINT and
// SIGTERM for the whole process (stop_signals.h).
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "cluster/node.h"

namespace bossa {

using RegisterServices = std::function<absl::Status(Node&)>;

// What a node program adds to the node; each hook may be empty.
struct NodeHooks {
  // Before start: registers types, rpc functions and actor factories.
  RegisterServices register_services{};
  // Once the node has started, before it says it is up: spawns actors, registers names.
  std::function<absl::Status(Node&)> on_started{};
  // On SIGINT or SIGTERM, before the node stops: tells others, hands work over.
  std::function<void(Node&)> on_stopping{};
};

int run_node(int argc, char** argv, const NodeHooks& hooks);
int run_node(int argc, char** argv, const RegisterServices& register_services);

}  // namespace bossa
