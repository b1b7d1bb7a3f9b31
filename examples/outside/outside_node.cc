// bossa-outside-node: bossa-node with the actors the outside-clients example calls through the
// gateway (native) or the broker (amqp), each under a global name:
//
//   echo    answers a string, bytes, an int64 or a float64 with itself
//   quote   answers an outside.lookup with an outside.quote (450 cents a unit)
//   crash   throws on any string: the caller's request fails (ABORTED)
//   slow    answers a string with itself two seconds later, through a response promise
//
// docs/outside-clients.md describes the example, its config and its clients.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "examples/outside/outside_types.h"
#include "node_program/run_node.h"
#include "runtime/evented_actor.h"

namespace bossa::outside_example {
namespace {

constexpr int64_t kUnitCents = 450;

struct Wake {
  size_t index;
};

Behavior echo(EventedActor&) {
  return {[](std::string text) { return text; }, [](Bytes bytes) { return bytes; },
          [](int64_t n) { return n; }, [](double x) { return x; }};
}

Behavior quote(EventedActor&) {
  return {[](const Lookup& lookup) {
    return Quote{lookup.sku, lookup.count, int64_t{lookup.count} * kUnitCents};
  }};
}

Behavior crash(EventedActor&) {
  return {[](const std::string& text) -> std::string {
    throw std::runtime_error("crash was asked to crash by '" + text + "'");
  }};
}

Behavior slow(EventedActor& self) {
  struct Waiting {
    std::vector<std::pair<ResponsePromise, std::string>> promises;
  };
  auto waiting = std::make_shared<Waiting>();
  return {[&self, waiting](std::string text) {
            waiting->promises.emplace_back(self.make_response_promise(), std::move(text));
            (void)self.send_after(absl::Seconds(2), self.pid(), Wake{waiting->promises.size() - 1});
          },
          [waiting](Wake wake) {
            auto& [promise, text] = waiting->promises[wake.index];
            promise.deliver(std::move(text));
          }};
}

absl::Status add_services(Node& node) {
  absl::Status status = node.register_type<Lookup>("outside.lookup");
  status.Update(node.register_type<Quote>("outside.quote"));
  for (auto [name, behavior] : {std::pair{"echo", &echo}, std::pair{"quote", &quote},
                                std::pair{"crash", &crash}, std::pair{"slow", &slow}}) {
    const Pid pid = node.runtime().spawn(behavior);
    status.Update(pid.valid() ? node.register_global(name, pid)
                              : absl::UnavailableError("the node is shutting down"));
  }
  return status;
}

}  // namespace
}  // namespace bossa::outside_example

int main(int argc, char** argv) {
  return bossa::run_node(argc, argv, bossa::outside_example::add_services);
}
