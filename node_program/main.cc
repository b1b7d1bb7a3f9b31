// bossa-node: a bossa node in a process of its own, hosting the demo workload
// (demo_services.h) beside the status service every node program has. run_node.h describes the
// command line; `bossa-node --help` lists the flags.
#include "node_program/demo_services.h"
#include "node_program/run_node.h"

int main(int argc, char** argv) {
  return bossa::run_node(argc, argv, bossa::add_demo_services);
}
