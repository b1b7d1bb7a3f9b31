#include "cluster/node_service.h"

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "cluster/node_events.h"
#include "runtime/runtime.h"

namespace bossa {
namespace {

// What the service watches: global names by monitor id (and the monitor of each name and pid),
// node subscribers by pid, and the actors that watch global names by monitor id.
struct ServiceState {
  absl::flat_hash_map<uint64_t, WatchName> names;
  absl::flat_hash_map<std::pair<std::string, Pid>, MonitorRef> name_monitors;
  absl::flat_hash_map<Pid, MonitorRef> subscribers;
  absl::flat_hash_map<uint64_t, Pid> name_watchers;
  absl::flat_hash_set<Pid> watched_watchers;
};

// Runs one rpc in an actor of its own, answering `promise`.
void run_rpc(Runtime& runtime, std::shared_ptr<const RemoteFunctions::Function> function,
             RpcCall call, ResponsePromise promise) {
  struct Run {};
  runtime.spawn([function = std::move(function), call = std::move(call),
                 promise = std::move(promise)](EventedActor& runner) mutable -> Behavior {
    runner.send(runner.pid(), Run{});
    return {[&runner, function, call = std::move(call), promise](Run) mutable {
      if (std::optional<ExitReason> failed = run_guarded([&] { (*function)(call, promise); })) {
        promise.fail(absl::InternalError(
            absl::StrCat("rpc '", call.function, "' failed: ", failed->to_string())));
      }
      runner.exit(ExitReason::normal());
    }};
  });
}

}  // namespace

Behavior node_service(EventedActor& self, const RemoteFunctions& functions, GlobalNames& names) {
  auto state = std::make_shared<ServiceState>();
  return {
      [&self, &functions](RpcCall& call) {
        ResponsePromise promise = self.make_response_promise();
        std::shared_ptr<const RemoteFunctions::Function> function =
            functions.function(call.function);
        if (function == nullptr) {
          promise.fail(absl::NotFoundError(
              absl::StrCat("no function is registered as '", call.function, "'")));
          return;
        }
        run_rpc(self.runtime(), std::move(function), std::move(call), std::move(promise));
      },
      [&self, &functions](const SpawnRequest& request) {
        ResponsePromise promise = self.make_response_promise();
        std::shared_ptr<const RemoteFunctions::Factory> factory =
            functions.factory(request.factory);
        if (factory == nullptr) {
          promise.fail(absl::NotFoundError(
              absl::StrCat("no actor factory is registered as '", request.factory, "'")));
          return;
        }
        if (std::optional<ExitReason> failed = run_guarded([&] { (*factory)(request, promise); })) {
          promise.fail(absl::InternalError(
              absl::StrCat("factory '", request.factory, "' failed: ", failed->to_string())));
        }
      },
      [&self, state](const NodeChanged& change) {
        for (const auto& [subscriber, ref] : state->subscribers) {
          if (change.up) {
            self.send(subscriber, NodeUp{change.node.name, change.node.id});
          } else {
            self.send(subscriber, NodeDown{change.node.name, change.node.id, change.reason,
                                           change.tally.in_doubt(), change.tally.acked});
          }
        }
      },
      [&self, state](const MonitorNodes& request) {
        auto it = state->subscribers.find(request.subscriber);
        if (request.on && it == state->subscribers.end()) {
          state->subscribers.emplace(request.subscriber, self.monitor(request.subscriber));
        } else if (!request.on && it != state->subscribers.end()) {
          self.demonitor(it->second);
          state->subscribers.erase(it);
        }
      },
      [&self, state](WatchName& watch) {
        auto key = std::make_pair(watch.name, watch.pid);
        auto it = state->name_monitors.find(key);
        if (watch.on && it == state->name_monitors.end()) {
          const MonitorRef ref = self.monitor(watch.pid);
          state->name_monitors.emplace(std::move(key), ref);
          state->names.emplace(ref.id, std::move(watch));
        } else if (!watch.on && it != state->name_monitors.end()) {
          self.demonitor(it->second);
          state->names.erase(it->second.id);
          state->name_monitors.erase(it);
        }
      },
      [&self, state](const WatchNameWatcher& request) {
        if (state->watched_watchers.insert(request.watcher).second) {
          state->name_watchers.emplace(self.monitor(request.watcher).id, request.watcher);
        }
      },
      [state, &names](const DownMsg& down) {
        if (auto it = state->names.find(down.ref.id); it != state->names.end()) {
          state->name_monitors.erase(std::make_pair(it->second.name, it->second.pid));
          names.release(it->second.name, it->second.pid);
          state->names.erase(it);
          return;
        }
        if (auto it = state->name_watchers.find(down.ref.id); it != state->name_watchers.end()) {
          names.unwatch_all(it->second);
          state->watched_watchers.erase(it->second);
          state->name_watchers.erase(it);
          return;
        }
        absl::erase_if(state->subscribers,
                       [&](const auto& entry) { return entry.second == down.ref; });
      },
  };
}

}  // namespace bossa
