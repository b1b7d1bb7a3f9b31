// Node::register_types: the types BOSSA_MESSAGE named, registered in one call.
#include <string>

#include "cluster/node.h"
#include "gtest/gtest.h"
#include "serialization/message_codec.h"

namespace node_types_test {
struct Opened {
  std::string path;
};
struct Closed {
  int64_t code = 0;
};
struct Moved {
  std::string from, to;
};
}  // namespace node_types_test
BOSSA_MESSAGE(node_types_test::Opened, path);
BOSSA_MESSAGE(node_types_test::Closed, code);
BOSSA_MESSAGE(node_types_test::Moved, from, to);

namespace bossa {
namespace {

using node_types_test::Closed;
using node_types_test::Moved;
using node_types_test::Opened;

std::unique_ptr<Node> unstarted_node() {
  NodeConfig config;
  config.name = "types";
  config.workers = 1;
  config.transport.kind = transport::TransportKind::kNative;
  config.transport.listen = "tcp://127.0.0.1:*";
  config.transport.security = transport::Security::kNone;
  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(config);
  EXPECT_TRUE(node.ok()) << node.status();
  return node.ok() ? *std::move(node) : nullptr;
}

TEST(NodeTypes, RegisterTypesRegistersEachTypeUnderItsWireName) {
  std::unique_ptr<Node> node = unstarted_node();
  ASSERT_NE(node, nullptr);
  ASSERT_TRUE((node->register_types<Opened, Closed>().ok()));
  // Registered already: a second registration of either is refused.
  EXPECT_FALSE(node->register_type<Opened>().ok());
  EXPECT_FALSE(node->register_type<Closed>().ok());
}

TEST(NodeTypes, RegisterTypesTriesEveryTypeAndReturnsTheFirstError) {
  std::unique_ptr<Node> node = unstarted_node();
  ASSERT_NE(node, nullptr);
  ASSERT_TRUE(node->register_type<Closed>().ok());
  const absl::Status status = node->register_types<Opened, Closed, Moved>();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("Closed"), std::string::npos) << status;
  EXPECT_FALSE(node->register_type<Moved>().ok()) << "the type after the failed one was skipped";
}

}  // namespace
}  // namespace bossa
