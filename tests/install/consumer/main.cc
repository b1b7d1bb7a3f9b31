// Two nodes on an in-process network: an actor on beta, registered under a global name, answers
// a request from alpha. Exits 0 and prints "consumer: ok" if it did; else 1 and why.
#include <bossa/cluster/node.h>
#include <bossa/runtime/runtime.h>
#include <bossa/transport/local/local_network.h>

#include <cstdio>
#include <memory>
#include <string>

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
    if (absl::Status started = node->start(); !started.ok()) return fail(started.ToString());
  }
  if (!(*alpha)->await_nodes({"beta"}, absl::Seconds(10))) return fail("beta never came up");

  const bossa::Pid doubler = (*beta)->runtime().spawn(
      [](bossa::EventedActor&) -> bossa::Behavior { return {[](int64_t x) { return 2 * x; }}; });
  if (absl::Status named = (*beta)->register_global("doubler", doubler); !named.ok()) {
    return fail(named.ToString());
  }
  absl::StatusOr<int64_t> answer = absl::NotFoundError("alpha never saw the name");
  for (int i = 0; i < 1000 && !(*alpha)->whereis_global("doubler"); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (std::optional<bossa::Pid> pid = (*alpha)->whereis_global("doubler")) {
    bossa::ScopedActor me((*alpha)->runtime());
    answer = me->request<int64_t>(*pid, absl::Seconds(5), int64_t{21});
  }
  if (!answer.ok()) return fail(answer.status().ToString());
  if (*answer != 42) return fail("doubler answered " + std::to_string(*answer));
  std::printf("consumer: ok\n");
  return 0;
}
