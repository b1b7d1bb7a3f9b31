// How a connection reads large frames, seen from a raw ZMTP peer that cuts the byte stream where it
// likes: a large body is read straight into its frame, together with whatever follows it, and a
// header cut short by a read is completed by the next one. Whatever the cuts, every message must
// arrive whole and in order.
#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/raw_client.h"
#include "transport/socket/zmtp/frame.h"

namespace bossa::socket {
namespace {

using testing::RawClient;

// A body of `size` octets that differs from every other body of the test (`seed`), so that a frame
// assembled from the wrong octets is caught.
std::string make_body(std::size_t size, int seed) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    body[i] = static_cast<char>('a' + (i * 7 + static_cast<std::size_t>(seed)) % 26);
  }
  return body;
}

// The wire form of `m`.
std::string encode(const std::vector<std::string>& m) {
  std::string out;
  for (std::size_t i = 0; i < m.size(); ++i) zmtp::append_frame(out, m[i], i + 1 < m.size());
  return out;
}

class LargeFrameTest : public ::testing::Test {
 protected:
  // Binds the PULL socket under test and connects the raw PUSH peer to it.
  void open(int rcvhwm = 1000) {
    ASSERT_TRUE(pull_.set(Option::kRcvhwm, rcvhwm).ok());
    ASSERT_TRUE(pull_.set(Option::kRcvtimeo, 10000).ok());
    ASSERT_TRUE(pull_.bind("tcp://127.0.0.1:*").ok());
    raw_.emplace(pull_.last_endpoint());
    raw_->write(testing::handshake("PUSH"));
  }

  // Receives one message and checks it is `want`.
  void expect(const std::vector<std::string>& want) {
    absl::StatusOr<Message> got = pull_.recv();
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ((*got)[i].size(), want[i].size()) << "frame " << i;
      ASSERT_TRUE((*got)[i] == want[i]) << "frame " << i << " has the wrong octets";
    }
  }

  Context ctx_{1};
  Socket pull_{ctx_, SocketType::kPull};
  std::optional<RawClient> raw_;
};

TEST_F(LargeFrameTest, MessagesArriveWholeHoweverTheStreamIsCut) {
  ASSERT_NO_FATAL_FAILURE(open());
  // Sizes around the in-place threshold (32 KiB) and the small-read size (8 KiB), one-frame and
  // multipart, large next to small.
  std::vector<std::vector<std::string>> messages;
  int seed = 0;
  for (std::size_t size : {16u, 32767u, 32768u, 65536u, 5u, 100000u, 300u, 1u << 20, 8192u}) {
    messages.push_back({make_body(size, seed++)});
  }
  messages.push_back({make_body(3, seed++), make_body(70000, seed++), make_body(0, seed++),
                      make_body(40000, seed++)});
  messages.push_back({make_body(65536, seed++), make_body(2, seed++)});
  std::string stream;
  for (const auto& m : messages) stream += encode(m);

  // Pieces of awkward sizes: inside headers, just past them, across bodies.
  const std::size_t cuts[] = {1, 7, 8195, 3, 65537, 10, 40000, 2, 9, 131072, 5};
  std::size_t at = 0;
  for (std::size_t i = 0; at < stream.size(); ++i) {
    const std::size_t n = std::min(cuts[i % std::size(cuts)], stream.size() - at);
    raw_->write(stream.substr(at, n));
    at += n;
  }
  for (const auto& m : messages) {
    expect(m);
    if (HasFatalFailure()) return;
  }
}

TEST_F(LargeFrameTest, HeaderCutShortIsCompletedByTheNextRead) {
  ASSERT_NO_FATAL_FAILURE(open());
  const std::vector<std::string> small = {"before"};
  const std::vector<std::string> large = {make_body(50000, 1)};
  const std::string wire = encode(large);
  // The small message and the first 5 octets of the large frame's 9-octet header go together; the
  // small one arriving shows the connection has read past it, into the header.
  raw_->write(encode(small) + wire.substr(0, 5));
  expect(small);
  raw_->write(wire.substr(5) + encode({"after"}));
  expect(large);
  expect({"after"});
}

TEST_F(LargeFrameTest, WhatFollowsALargeBodyIsReadWithIt) {
  ASSERT_NO_FATAL_FAILURE(open());
  const std::vector<std::string> first = {make_body(60000, 2)};
  const std::vector<std::string> second = {make_body(45000, 3)};
  const std::string a = encode(first);
  const std::string b = encode(second);
  // The first body's start, then its end together with a small message and the second frame's
  // header and first octets, then the rest of the second.
  raw_->write(a.substr(0, 1000));
  raw_->write(a.substr(1000) + encode({"between"}) + b.substr(0, 20));
  expect(first);
  expect({"between"});
  raw_->write(b.substr(20));
  expect(second);
}

TEST_F(LargeFrameTest, FullPipeHoldsWhatFollowedALargeBodyUntilThereIsRoom) {
  // rcvhwm 1: the connection pauses after each message, with the rest of its input still buffered.
  ASSERT_NO_FATAL_FAILURE(open(1));
  std::vector<std::vector<std::string>> messages;
  std::string stream;
  for (int i = 0; i < 20; ++i) {
    messages.push_back({make_body(40000 + 1000 * static_cast<std::size_t>(i), i)});
    messages.push_back({absl::StrCat("small ", i)});
  }
  for (const auto& m : messages) stream += encode(m);
  // The peer's write blocks until the receiver drains the pipe.
  std::thread writer([&] { raw_->write(stream); });
  for (const auto& m : messages) {
    expect(m);
    if (HasFatalFailure()) {
      pull_.close();  // ends the connection, and with it the peer's write
      break;
    }
  }
  writer.join();
}

}  // namespace
}  // namespace bossa::socket
