// run_node: the whole of a bossa node program, for a main() that only says which services its
// node hosts.
//
//   int main(int argc, char** argv) {
//     return bossa::run_node(argc, argv, [](bossa::Node& node) {
//       return node.register_rpc<int64_t, std::string>("length", ...);
//     });
//   }
//
// It reads the command line (command_line.h) and the config file with the flags' overrides
// (config_overrides.h), creates the node, lets `register_services` register its types, rpc
// functions and factories, adds the status service (status_service.h), starts the node and, with
// --metrics_port, the metrics server (metrics_server.h). Then it prints one line on stdout,
//
//   alpha is up at tcp://127.0.0.1:47101; metrics at http://127.0.0.1:41234/metrics
//
// (the metrics part only when serving them), and runs until SIGINT or SIGTERM, on which it stops
// the node (its peers see it leave: reason "left") and returns 0. Everything else is logged by
// the node's Logger on stderr, at --log_level.
//
// With the `status` command it asks another node for its status instead and prints it; with
// --help it prints the usage and flags on stdout.
//
// Exit codes: 0 done (--help and --version too); 1 the node could not be created or started, or
// (status) the node was not found or did not answer; 2 a bad command line or config file (the
// message names the flag, or the file, line and key).
//
// Call it from main's thread before any other thread starts: to run a node it blocks SIGINT and
// SIGTERM for the whole process (stop_signals.h). The status command leaves them alone, so
// Ctrl-C ends it at once.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "cluster/node.h"

namespace bossa {

using RegisterServices = std::function<absl::Status(Node&)>;

int run_node(int argc, char** argv, const RegisterServices& register_services);

}  // namespace bossa
