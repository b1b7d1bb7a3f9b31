// Two nodes on an in-process network: an actor on beta, registered under a global name, answers
// a request from alpha with a message type of this program's own. Exits 0 and prints
// "consumer: ok" if it did; else 1 and why.
#include <bossa/cluster/node.h>
#include <bossa/runtime/runtime.h>
#include <bossa/serialization/message_codec.h>
#include <bossa/transport/local/local_network.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

namespace consumer {
struct Tally {
  std::map<std::string, int64_t> counts;
  int64_t total = 0;
};
}  // namespace consumer
BOSSA_MESSAGE(consumer::Tally, counts, total);

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "consumer: %s\n", what.c_str());
  return 1;
}

absl::StatusOr<std::unique_ptr<bossa::Node>> make_node(const std::string& name,
                                                       bossa::transport::LocalNetwork& network) {
  absl::StatusOr<bossa::NodeConfig> config = bossa::parse_node_config(
      "[node]\nname = \"" + name + "\"\nworkers = 1\n[transport]\nkind = \"local\"\n" +
          "network = \"consumer\"\n",
      name);
  if (!config.ok()) return config.status();
  return bossa::Node::create(*std::move(config), {.local_network = &network});
}

}  // namespace

int main() {
  bossa::transport::LocalNetwork network("consumer");
  absl::StatusOr<std::unique_ptr<bossa::Node>> alpha = make_node("alpha", network);
  absl::StatusOr<std::unique_ptr<bossa::Node>> beta = make_node("beta", network);
  if (!alpha.ok() || !beta.ok()) return fail("creating the nodes failed");
  for (bossa::Node* node : {alpha->get(), beta->get()}) {
    if (absl::Status added = node->register_type<consumer::Tally>(); !added.ok()) {
      return fail(added.ToString());
    }
  }
  for (bossa::Node* node : {alpha->get(), beta->get()}) {
    if (absl::Status started = node->start(); !started.ok()) return fail(started.ToString());
  }
  if (!(*alpha)->await_nodes({"beta"}, absl::Seconds(10))) return fail("beta never came up");

  const bossa::Pid tallier = (*beta)->runtime().spawn([](bossa::EventedActor&) -> bossa::Behavior {
    return {[](consumer::Tally tally) {
      tally.total = 0;
      for (const auto& [name, count] : tally.counts) tally.total += count;
      return tally;
    }};
  });
  if (absl::Status named = (*beta)->register_global("tallier", tallier); !named.ok()) {
    return fail(named.ToString());
  }
  if (absl::StatusOr<bossa::Pid> seen = (*alpha)->await_global("tallier", absl::Seconds(10));
      !seen.ok()) {
    return fail(seen.status().ToString());
  }
  absl::StatusOr<consumer::Tally> answer = (*alpha)->request_global<consumer::Tally>(
      "tallier", absl::Seconds(5), consumer::Tally{{{"tea", 3}, {"cake", 4}}, 0});
  if (!answer.ok()) return fail(answer.status().ToString());
  if (answer->total != 7) return fail("tallier answered " + std::to_string(answer->total));
  std::printf("consumer: ok\n");
  return 0;
}
