#include "transport/socket/core/endpoint.h"

#include <gtest/gtest.h>

#include <string>

namespace bossa::socket {
namespace {

TEST(Endpoint, ParsesEachTransportIntoKindAddressAndPort) {
  absl::StatusOr<Endpoint> tcp = parse_endpoint("tcp://127.0.0.1:7001");
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_EQ(tcp->kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(tcp->address, "127.0.0.1");
  EXPECT_EQ(tcp->port, 7001);

  absl::StatusOr<Endpoint> v6 = parse_endpoint("tcp://[::1]:65535");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->port, 65535);

  absl::StatusOr<Endpoint> ipc = parse_endpoint("ipc:///tmp/node.sock");
  ASSERT_TRUE(ipc.ok()) << ipc.status();
  EXPECT_EQ(ipc->kind, Endpoint::Kind::kIpc);
  EXPECT_EQ(ipc->address, "/tmp/node.sock");

  absl::StatusOr<Endpoint> inproc = parse_endpoint("inproc://jobs");
  ASSERT_TRUE(inproc.ok()) << inproc.status();
  EXPECT_EQ(inproc->kind, Endpoint::Kind::kInproc);
  EXPECT_EQ(inproc->address, "jobs");
}

TEST(Endpoint, AStarOrZeroPortMeansAnyFreePort) {
  EXPECT_EQ(parse_endpoint("tcp://127.0.0.1:*")->port, 0);
  EXPECT_EQ(parse_endpoint("tcp://127.0.0.1:0")->port, 0);
  EXPECT_EQ(parse_endpoint("tcp://*:5555")->address, "*");
}

TEST(Endpoint, RefusesPortsThatAreNotPlainDecimalNumbersUpTo65535) {
  for (const char* text : {"tcp://h:65536", "tcp://h:+80", "tcp://h: 80", "tcp://h:80 ",
                           "tcp://h:-1", "tcp://h:0x50", "tcp://h:", "tcp://h:000080"}) {
    absl::StatusOr<Endpoint> endpoint = parse_endpoint(text);
    ASSERT_FALSE(endpoint.ok()) << text;
    EXPECT_NE(endpoint.status().message().find("port"), std::string::npos) << text;
  }
}

TEST(Endpoint, RefusesWhatIsNotAnEndpointNamingTheProblem) {
  EXPECT_NE(parse_endpoint("127.0.0.1:7001").status().message().find("<transport>://"),
            std::string::npos);
  EXPECT_NE(parse_endpoint("udp://h:1").status().message().find("unknown transport 'udp'"),
            std::string::npos);
  EXPECT_NE(parse_endpoint("tcp://h").status().message().find("host:port"), std::string::npos);
  EXPECT_NE(parse_endpoint("tcp://:80").status().message().find("empty host"), std::string::npos);
  EXPECT_NE(parse_endpoint("ipc://").status().message().find("empty address"), std::string::npos);
  EXPECT_NE(parse_endpoint("ipc:///" + std::string(120, 'x')).status().message().find("107"),
            std::string::npos);
}

TEST(Endpoint, FormattingGivesBackWhatParsingTook) {
  for (const char* text : {"tcp://127.0.0.1:7001", "tcp://[::1]:7001", "tcp://node-a:*",
                           "ipc:///tmp/a.sock", "inproc://jobs"}) {
    absl::StatusOr<Endpoint> endpoint = parse_endpoint(text);
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    EXPECT_EQ(format_endpoint(*endpoint), text);
  }
  Endpoint any = *parse_endpoint("tcp://[::1]:7001");
  any.port = 0;
  EXPECT_EQ(format_endpoint(any), "tcp://[::1]:*");
}

}  // namespace
}  // namespace bossa::socket
