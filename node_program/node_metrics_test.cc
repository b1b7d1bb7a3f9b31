#include "node_program/node_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;

NodeMetrics sample() {
  NodeMetrics m;
  m.node = "alpha";
  m.id = 7;
  m.transport = "native";
  m.endpoint = "tcp://127.0.0.1:47101";
  m.uptime_seconds = 12.5;
  m.messages_in = 10;
  m.messages_out = 20;
  m.bytes_in = 1000;
  m.bytes_out = 20480;
  m.transport_bytes_out = 30720;
  m.dead_letters = 3;
  m.undeliverable = 1;
  m.decode_errors = 2;
  m.rejected = 8;
  m.forged_senders = 2;
  m.unauthorized = 3;
  m.node_up_events = 4;
  m.node_down_events = 1;
  m.envelopes_in_doubt = 17;
  m.connections = {
      .open = 3, .handshaking = 1, .refused = 11, .closed_bad_input = 13, .refused_keys = 4};
  m.peers = {"beta", "gamma"};
  m.actors = 42;
  m.global_names = 5;
  m.local_names = 6;
  m.mailbox_messages = 9;
  m.deepest_mailbox = 8;
  m.deepest_actor = "<7.12>";
  return m;
}

TEST(FormatPrometheus, WritesEachSampleWithTheNodeLabel) {
  const std::string text = format_prometheus(sample());
  EXPECT_THAT(text, HasSubstr("\nbossa_messages_received_total{node=\"alpha\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_messages_sent_total{node=\"alpha\"} 20\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_received_bytes_total{node=\"alpha\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_sent_bytes_total{node=\"alpha\"} 20480\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_transport_sent_bytes_total{node=\"alpha\"} 30720\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_dead_letters_total{node=\"alpha\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_undeliverable_total{node=\"alpha\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_decode_errors_total{node=\"alpha\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_transport_rejected_total{node=\"alpha\"} 8\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_transport_forged_senders_total{node=\"alpha\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_unauthorized_total{node=\"alpha\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_node_up_events_total{node=\"alpha\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_node_down_events_total{node=\"alpha\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_envelopes_in_doubt_total{node=\"alpha\"} 17\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_connected_nodes{node=\"alpha\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_connections_open{node=\"alpha\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_connections_handshaking{node=\"alpha\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_connections_refused_total{node=\"alpha\"} 11\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_connections_closed_bad_input_total{node=\"alpha\"} 13\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_connections_refused_keys_total{node=\"alpha\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_actors{node=\"alpha\"} 42\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_global_names{node=\"alpha\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_local_names{node=\"alpha\"} 6\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_mailbox_messages{node=\"alpha\"} 9\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_mailbox_depth_max{node=\"alpha\"} 8\n"));
  EXPECT_THAT(text, HasSubstr("\nbossa_uptime_seconds{node=\"alpha\"} 12.5\n"));
  EXPECT_THAT(text, HasSubstr("bossa_node_info{node=\"alpha\",id=\"7\",transport=\"native\"} 1\n"));
}

TEST(FormatPrometheus, EveryMetricHasHelpAndTypeBeforeItsSample) {
  std::set<std::string> helped;
  std::set<std::string> typed;
  int samples = 0;
  for (absl::string_view line : absl::StrSplit(format_prometheus(sample()), '\n')) {
    if (line.empty()) continue;
    std::vector<std::string> words = absl::StrSplit(line, ' ');
    if (words[0] == "#") {
      ASSERT_GE(words.size(), 4u) << line;
      (words[1] == "HELP" ? helped : typed).insert(words[2]);
      if (words[1] == "TYPE") {
        const bool counter = absl::EndsWith(words[2], "_total");
        EXPECT_EQ(words[3], counter ? "counter" : "gauge") << line;
      }
      continue;
    }
    ++samples;
    const std::string name = std::string(line.substr(0, line.find('{')));
    EXPECT_TRUE(absl::StartsWith(name, "bossa_")) << line;
    EXPECT_TRUE(helped.count(name)) << "no # HELP before " << line;
    EXPECT_TRUE(typed.count(name)) << "no # TYPE before " << line;
  }
  EXPECT_EQ(samples, 27);
  EXPECT_EQ(helped, typed);
}

TEST(FormatPrometheus, EscapesLabelValues) {
  NodeMetrics m = sample();
  m.transport = "a\"b\\c\nd";
  EXPECT_THAT(format_prometheus(m), HasSubstr("transport=\"a\\\"b\\\\c\\nd\""));
}

TEST(FormatStatus, ShowsTheNodeItsPeersAndItsCounters) {
  const std::string text = format_status(sample());
  EXPECT_THAT(text, HasSubstr("node alpha (id 7, native at tcp://127.0.0.1:47101), up 12.5 s\n"));
  EXPECT_THAT(text, HasSubstr("peers         2 up: beta, gamma\n"));
  EXPECT_THAT(text, HasSubstr("connections   3 open (1 in their handshake), 11 refused, 13 closed "
                              "for bad input (4 untrusted keys)\n"));
  EXPECT_THAT(text, HasSubstr("messages      in 10 (1000 B), out 20 (20.0 KiB); the transport sent "
                              "30.0 KiB\n"));
  EXPECT_THAT(text,
              HasSubstr("dead letters  3 (1 bound for other nodes), decode errors 2, rejected "
                        "8 (2 forged senders), unauthorized 3\n"));
  EXPECT_THAT(text, HasSubstr("node events   4 up, 1 down (17 envelopes in doubt)\n"));
  EXPECT_THAT(text, HasSubstr("actors        42 live; names 5 global, 6 local\n"));
  EXPECT_THAT(text, HasSubstr("mailboxes     9 messages waiting; fullest <7.12> with 8\n"));
}

}  // namespace
}  // namespace bossa
