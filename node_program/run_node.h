// run_node: the whole of a bossa node program, for a main() that only says which services its
// node hosts:
//
//   int main(int argc, char** argv) { return bossa::run_node(argc, argv, register_services); }
//
// It reads the command line and the config with the flags' overrides, creates the node, lets
// `register_services` register its types, rpc functions and factories, starts the node (with the
// status service, and metrics with --metrics_port), prints "<name> is up at <endpoint>" on stdout
// (then "; gateway at <endpoint>" with a [gateway], "; metrics at <url>" with metrics)
// and runs until SIGINT or SIGTERM; then it stops the node and returns 0. The `status` command
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

int run_node(int argc, char** argv, const RegisterServices& register_services);

}  // namespace bossa
