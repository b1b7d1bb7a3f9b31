#include "cluster/gateway/gateway_frames.h"

#include <gtest/gtest.h>

namespace bossa::gateway {
namespace {

socket::Message message(std::initializer_list<std::string_view> frames) {
  return socket::Message(frames);
}

TEST(GatewayFrames, AReqRequestKeepsTheRoutingIdAndDelimiterAsItsRoute) {
  Parsed parsed = parse_request(message({"id", "", "echo", "text/plain", "hi"}));
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.request.route, message({"id", ""}));
  EXPECT_EQ(parsed.request.target, "echo");
  EXPECT_EQ(parsed.request.content_type, "text/plain");
  EXPECT_EQ(parsed.request.body, "hi");
  EXPECT_EQ(parsed.request.timeout, absl::InfiniteDuration());
}

TEST(GatewayFrames, ADealerRequestCarriesItsCorrelationAndATimeout) {
  Parsed parsed = parse_request(message({"id", "7", "", "echo", "text/plain", "", "250"}));
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.request.route, message({"id", "7", ""}));
  EXPECT_EQ(parsed.request.body, "");
  EXPECT_EQ(parsed.request.timeout, absl::Milliseconds(250));
}

TEST(GatewayFrames, RefusesWhatIsNotARequestButKeepsTheRouteToSaySo) {
  for (auto frames :
       {message({"id", "", "echo"}), message({"id", "", "", "a", "b"}),
        message({"id", "", "echo", "t", "b", "soon"}), message({"id", "", "echo", "t", "b", "0"}),
        message({"id", "", "echo", "t", "b", "1", "extra"})}) {
    Parsed parsed = parse_request(frames);
    EXPECT_EQ(parsed.status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.request.route, message({"id", ""}));
  }
  Parsed no_delimiter = parse_request(message({"id", "echo", "t", "b"}));
  EXPECT_EQ(no_delimiter.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(no_delimiter.request.route, message({"id"}));
  EXPECT_FALSE(parse_request(socket::Message()).status.ok());
}

TEST(GatewayFrames, RepliesCarryTheRouteTheStatusNameAndTheBody) {
  EXPECT_EQ(make_reply(message({"id", ""}), absl::StatusCode::kOk, "text/plain", "hi"),
            message({"id", "", "OK", "text/plain", "hi"}));
  EXPECT_EQ(make_error_reply(message({"id", "7", ""}), absl::NotFoundError("no 'x'")),
            message({"id", "7", "", "NOT_FOUND", "text/plain", "no 'x'"}));
}

}  // namespace
}  // namespace bossa::gateway
