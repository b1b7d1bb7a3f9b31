// test_node <config.toml>: a node of the cluster conformance suite in a process of its own.
//
// Starts the node the config describes with the test services (test_services.h), registers an
// echo actor as global name "echo@<node name>", prints "READY <node name>" on stdout, and runs
// until its stdin closes (the test that started it ended or died), then leaves the cluster.
#include <cstdio>
#include <iostream>
#include <string>

#include "cluster/node.h"
#include "cluster/node_config.h"
#include "tests/support/test_services.h"

namespace {

int fail(const absl::Status& status) {
  std::fprintf(stderr, "test_node: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: test_node <config.toml>\n");
    return 2;
  }
  absl::StatusOr<bossa::NodeConfig> config = bossa::load_node_config(argv[1]);
  if (!config.ok()) return fail(config.status());
  absl::StatusOr<std::unique_ptr<bossa::Node>> node = bossa::Node::create(*std::move(config));
  if (!node.ok()) return fail(node.status());
  bossa::Node& self = **node;
  self.log().set_level(bossa::LogLevel::kWarning);
  if (absl::Status started = bossa::cluster_test::start_test_node(self); !started.ok()) {
    return fail(started);
  }
  std::printf("READY %s\n", self.name().c_str());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  self.stop();
  return 0;
}
