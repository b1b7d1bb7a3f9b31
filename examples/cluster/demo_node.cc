// bossa-demo-node: a node of the demo cluster. It is bossa-node (node_program/run_node.h: the same
// flags, config, status service, metrics and clean leave) with the demo's pools
// (demo_services.h) registered through run_node's hook, as any program that hosts its own
// services would do. bossa-demo starts beta and gamma with it.
#include "examples/cluster/demo_services.h"
#include "node_program/run_node.h"

int main(int argc, char** argv) {
  return bossa::run_node(argc, argv, bossa::add_demo_services);
}
