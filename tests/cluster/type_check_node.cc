// type_check_node <config.toml>: node "odd" of the type-table tests (type_check_test.cc).
//
// Registers the test services and the types of type_check_types.h as its table there says, so
// that its table and the test node's differ; then the global name "odd" for an actor that
// answers a request (a string) with an OddOnly, which the test's node cannot read. Prints
// "READY <node name>" and runs until its stdin closes.
#include <cstdio>
#include <iostream>
#include <string>

#include "cluster/node.h"
#include "cluster/node_config.h"
#include "tests/cluster/type_check_types.h"
#include "tests/support/test_services.h"

namespace {

int fail(const absl::Status& status) {
  std::fprintf(stderr, "type_check_node: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bossa;
  if (argc != 2) {
    std::fprintf(stderr, "usage: type_check_node <config.toml>\n");
    return 2;
  }
  absl::StatusOr<NodeConfig> config = load_node_config(argv[1]);
  if (!config.ok()) return fail(config.status());
  absl::StatusOr<std::unique_ptr<Node>> created = Node::create(*std::move(config));
  if (!created.ok()) return fail(created.status());
  Node& node = **created;
  node.log().set_level(LogLevel::kWarning);
  absl::Status ready = node.register_type<type_check::Greeting>("types.hello");
  if (ready.ok()) ready = node.register_type<type_check::OddOnly>("types.odd_only");
  if (ready.ok()) ready = cluster_test::start_test_node(node);
  if (!ready.ok()) return fail(ready);
  const Pid odd = node.runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](const std::string& text) {
      self.make_response_promise().deliver(type_check::OddOnly{text});
    }};
  });
  if (absl::Status named = node.register_global("odd", odd); !named.ok()) return fail(named);
  std::printf("READY %s\n", node.name().c_str());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  node.stop();
  return 0;
}
