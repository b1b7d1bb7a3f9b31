// bossa-node: a bossa node in a process of its own, hosting the status service every node program
// has and nothing else. run_node.h describes the command line; `bossa-node --help` lists the
// flags. A program that hosts services of its own calls run_node with them (see
// examples/cluster/demo_node.cc).
#include "node_program/run_node.h"

int main(int argc, char** argv) {
  return bossa::run_node(argc, argv, nullptr);
}
