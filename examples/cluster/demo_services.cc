#include "examples/cluster/demo_services.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/behaviours/server.h"
#include "runtime/behaviours/supervisor.h"

namespace bossa {
namespace {

constexpr int64_t kMaxWorkers = 64;
constexpr absl::Duration kWorkerTimeout = absl::Seconds(2);

// What a node's pool has done, shared by its workers and the "demo.stats" rpc.
struct PoolCounters {
  std::atomic<int64_t> starts{0};
  std::atomic<int64_t> jobs{0};
  std::atomic<int64_t> crashes{0};
};

std::string worker_name(int64_t i) {
  return absl::StrCat("demo.worker-", i);
}

ChildSpec worker(int64_t i, std::string node, std::shared_ptr<PoolCounters> counters) {
  return ChildSpec{
      .id = worker_name(i),
      .start =
          [i, node = std::move(node), counters](Runtime& runtime, const SpawnOptions& options) {
            return spawn_server(
                runtime,
                [i, node, counters](Server& self) -> ServerSpec {
                  absl::Status named = self.actor().register_name(worker_name(i));
                  if (!named.ok()) throw std::runtime_error(std::string(named.message()));
                  counters->starts.fetch_add(1, std::memory_order_relaxed);
                  const std::string who = absl::StrCat(node, "/worker-", i);
                  return {.calls = {[counters, who](const DemoJob& job) {
                            const auto [id, n] = job;
                            if (n <= 0) {
                              counters->crashes.fetch_add(1, std::memory_order_relaxed);
                              throw std::runtime_error(
                                  absl::StrCat("job ", id, ": deliberate crash"));
                            }
                            counters->jobs.fetch_add(1, std::memory_order_relaxed);
                            return DemoResult{id, collatz_steps(n), who};
                          }}};
                },
                options);
          },
      .shutdown = absl::Seconds(1)};
}

// Hands each job to the next live worker and relays the outcome to the requester.
Behavior dispatcher(EventedActor& self, int64_t workers) {
  auto next = std::make_shared<int64_t>(0);
  return {[&self, workers, next](const DemoJob& job) {
    ResponsePromise promise = self.make_response_promise();
    for (int64_t tried = 0; tried < workers; ++tried) {
      const std::optional<Pid> target = self.runtime().whereis(worker_name(*next));
      *next = (*next + 1) % workers;
      if (!target) continue;  // being restarted
      self.request(*target, kWorkerTimeout, job)
          .then([promise](const DemoResult& result) mutable { promise.deliver(result); },
                [promise](absl::Status failed) mutable { promise.fail(std::move(failed)); });
      return;
    }
    promise.fail(absl::UnavailableError("no worker of the pool is running"));
  }};
}

Pid start_pool(Node& node, const std::shared_ptr<PoolCounters>& counters, int64_t workers) {
  if (workers < 1 || workers > kMaxWorkers) {
    node.log().log(LogLevel::kWarning,
                   absl::StrCat("demo.pool: ", workers, " workers asked; 1 to ", kMaxWorkers));
    return Pid{};
  }
  SupervisorSpec spec{
      .strategy = RestartStrategy::kOneForOne, .max_restarts = 100, .period = absl::Seconds(5)};
  for (int64_t i = 0; i < workers; ++i) spec.children.push_back(worker(i, node.name(), counters));
  absl::StatusOr<Pid> supervisor = start_supervisor(node.runtime(), std::move(spec));
  if (!supervisor.ok()) {
    node.log().log(LogLevel::kWarning, absl::StrCat("demo.pool: the supervisor did not start: ",
                                                    supervisor.status().message()));
    return Pid{};
  }
  // Linked to the supervisor: the pool's front and its workers stop together.
  const Pid front =
      node.runtime().spawn([workers](EventedActor& self) { return dispatcher(self, workers); },
                           SpawnOptions{.link_to = *supervisor});
  const std::string name = demo_pool_name(node.name());
  if (absl::Status named = node.register_global(name, front); !named.ok()) {
    node.log().log(LogLevel::kWarning, absl::StrCat("demo.pool: ", named.message()));
    node.runtime().exit(*supervisor, ExitReason::shutdown());
    return Pid{};
  }
  node.log().log(LogLevel::kInfo,
                 absl::StrCat("demo.pool: ", workers, " workers under ", supervisor->to_string(),
                              ", dispatcher ", front.to_string(), " as '", name, "'"));
  return front;
}

}  // namespace

int64_t collatz_steps(int64_t n) {
  int64_t steps = 0;
  for (; n > 1; ++steps) n = n % 2 == 0 ? n / 2 : 3 * n + 1;
  return steps;
}

std::string demo_pool_name(std::string_view node) {
  return absl::StrCat("pool@", absl::string_view(node.data(), node.size()));
}

absl::Status add_demo_services(Node& node) {
  auto counters = std::make_shared<PoolCounters>();
  absl::Status status = node.register_type<DemoJob>("demo.job");
  if (status.ok()) status = node.register_type<DemoResult>("demo.result");
  if (status.ok()) status = node.register_type<DemoStats>("demo.stats");
  if (status.ok()) {
    status =
        node.register_factory<int64_t>("demo.pool", [counters](Node& self, const int64_t& workers) {
          return start_pool(self, counters, workers);
        });
  }
  if (status.ok()) {
    status = node.register_rpc<DemoStats, int64_t>("demo.stats", [counters](const int64_t&) {
      return DemoStats{counters->starts.load(std::memory_order_relaxed),
                       counters->jobs.load(std::memory_order_relaxed),
                       counters->crashes.load(std::memory_order_relaxed)};
    });
  }
  return status;
}

}  // namespace bossa
