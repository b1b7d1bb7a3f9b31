// kv_node: a key-value store kept on every node of a bossa cluster and reached by the global name
// "kv", which lives on when the node that holds it is killed. `kv_node --config kv.toml --name N
// [--seeds ENDPOINT]` runs a node of the store (it takes bossa-node's flags). Clients in any
// language call "kv" through any node's gateway (docs/outside-clients.md), a request a message
// of the protocol below in JSON: `application/json; type=kv::Put`, {"key": "k", "value": "v"}.
// README.md says how to run it and what survives a kill -9.
#include <bossa/cluster/node.h>
#include <bossa/node_program/run_node.h>
#include <bossa/runtime/pid_codec.h>
#include <bossa/serialization/message_codec.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

// The protocol, a message type a line, and the answer each gets.
// clang-format off
namespace kv {
struct Put { std::string key, value; };               // "ok", once every replica has it
struct Get { std::string key; };                      // the value, or NOT_FOUND
struct Watch { std::string key, seen; };              // the value, as soon as it is not `seen`
struct Join { bossa::Pid replica; };                  // a replica's: Data, and the puts to come
struct Data { std::map<std::string, std::string> values; };
}  // namespace kv
// clang-format on
BOSSA_MESSAGE(kv::Put, key, value);
BOSSA_MESSAGE(kv::Get, key);
BOSSA_MESSAGE(kv::Watch, key, seen);
BOSSA_MESSAGE(kv::Join, replica);
BOSSA_MESSAGE(kv::Data, values);

namespace {

constexpr absl::Duration kWait = absl::Seconds(2);

// One replica per node. The one that holds "kv", the owner, answers; it passes each put to the
// others and answers only once they have it. When the owner's node goes down, the others race
// for the name: the winner goes on where the owner stopped, the rest join it.
void replica(bossa::ThreadedActor& self, bossa::Node& node) {
  kv::Data data;
  std::vector<bossa::Pid> replicas;
  std::vector<std::pair<std::string, bossa::ResponsePromise>> watches;
  auto value = [&](const std::string& key) {
    return data.values.contains(key) ? data.values[key] : "";
  };
  auto settle = [&] {
    for (;;) {
      if (node.register_global("kv", self.pid()).ok())
        return node.log().log(bossa::LogLevel::kInfo, "owns kv");
      absl::StatusOr<bossa::Pid> owner = node.await_global("kv", kWait);
      if (!owner.ok()) continue;
      absl::StatusOr<bossa::MonitorRef> watch = node.monitor_global(self.pid(), "kv");
      if (!watch.ok()) continue;
      absl::StatusOr<kv::Data> joined = self.request<kv::Data>(*owner, kWait, kv::Join{self.pid()});
      if (joined.ok())
        return data = *std::move(joined), node.log().log(bossa::LogLevel::kInfo, "replicates kv");
      node.demonitor_global(self.pid(), *watch);  // one watch at a time: the next try makes its own
    }
  };
  if (!node.config().transport.seeds.empty()) (void)node.await_global("kv", absl::Seconds(30));
  settle();
  for (;;) {
    (void)self.receive(
        [&](const kv::Put& put) {
          data.values[put.key] = put.value;
          std::erase_if(replicas, [&](bossa::Pid replica) {
            return !self.request<std::string>(replica, kWait, put).ok();  // gone: dropped
          });
          std::erase_if(watches, [&](auto& watch) {
            if (watch.first == put.key) watch.second.deliver(std::string(put.value));
            return watch.first == put.key;
          });
          return std::string("ok");
        },
        [&](const kv::Get& get) {
          if (data.values.contains(get.key)) return self.reply(data.values[get.key]);
          self.make_response_promise().fail(absl::NotFoundError(get.key + " is not set"));
        },
        [&](const kv::Watch& watch) {
          if (value(watch.key) != watch.seen) return self.reply(value(watch.key));
          watches.emplace_back(watch.key, self.make_response_promise());
        },
        [&](const kv::Join& join) { return replicas.push_back(join.replica), data; },
        [&](const bossa::GlobalNameDown&) { settle(); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto types = [](bossa::Node& node) {
    return node.register_types<kv::Put, kv::Get, kv::Watch, kv::Join, kv::Data>();
  };
  auto start = [](bossa::Node& node) {
    node.runtime().spawn_thread([&node](bossa::ThreadedActor& self) { replica(self, node); });
    return absl::OkStatus();
  };
  return bossa::run_node(argc, argv, {.register_services = types, .on_started = start});
}
