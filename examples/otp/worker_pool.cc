// worker_pool: a supervised pool of workers that crash at random while clients keep the work
// going.
//
//   build/examples/otp/worker_pool [jobs]
//
// Four workers (servers registered as worker-0 .. worker-3) compute the Collatz path length of a
// number per Job call, and drop one job in six by crashing. A one_for_one supervisor restarts the
// crashed worker under the same name. Three client coroutine actors share the jobs; a call that
// fails (the worker crashed on it, or is being restarted) is retried on the next worker. An event
// manager logs starts and stops. main() checks every result, shows the pool, and shuts the
// supervisor down (workers stop last-started first).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/behaviours/call.h"
#include "runtime/behaviours/event_manager.h"
#include "runtime/behaviours/server.h"
#include "runtime/behaviours/supervisor.h"

namespace {

using bossa::Pid;

constexpr int kWorkers = 4;
constexpr int kClients = 3;

struct Job {
  int id;
  long long n;
};
struct Result {
  int id;
  int steps;
};
struct Retried {
  int job;
};

// Log events.
struct WorkerStarted {
  int worker;
  Pid pid;
};
struct WorkerStopped {
  int worker;
  std::string reason;
};
struct Flush {};  // no handler takes it: sync_notify(Flush) returns once the log is printed

std::string worker_name(int i) {
  return absl::StrCat("worker-", i);
}
long long input_of(int job) {
  return 1000003LL * (job + 1);
}

int collatz_steps(long long n) {
  int steps = 0;
  for (; n != 1; ++steps) n = n % 2 == 0 ? n / 2 : 3 * n + 1;
  return steps;
}

bossa::ChildSpec worker(int i, Pid log) {
  return bossa::ChildSpec{
      .id = worker_name(i),
      .start =
          [i, log](bossa::Runtime& runtime, const bossa::SpawnOptions& options) {
            return bossa::spawn_server(
                runtime,
                [i, log](bossa::Server& self) -> bossa::ServerSpec {
                  absl::Status named = self.actor().register_name(worker_name(i));
                  if (!named.ok()) throw std::runtime_error(std::string(named.message()));
                  bossa::notify(self.actor(), log, WorkerStarted{i, self.pid()});
                  auto random =
                      std::make_shared<std::mt19937>(static_cast<unsigned>(self.pid().serial));
                  return {.calls = {[random](const Job& job) {
                            if ((*random)() % 6 == 0) {
                              throw std::runtime_error(absl::StrCat("dropped job ", job.id));
                            }
                            return Result{job.id, collatz_steps(job.n)};
                          }},
                          .terminate =
                              [&self, i, log](const bossa::ExitReason& why) {
                                bossa::notify(self.actor(), log, WorkerStopped{i, why.to_string()});
                              },
                          .trap_exit = true};  // so that a shutdown runs terminate
                },
                options);
          },
      .shutdown = absl::Seconds(1)};
}

// Does jobs first, first + kClients, ... below `jobs`, retrying each until a worker answers.
bossa::ActorTask client(bossa::CoroutineActor& self, int first, int jobs, Pid main_pid) {
  int next_worker = first;
  for (int id = first; id < jobs; id += kClients) {
    for (;;) {
      const std::optional<Pid> worker = self.runtime().whereis(worker_name(next_worker));
      next_worker = (next_worker + 1) % kWorkers;
      if (worker) {
        const Job job{id, input_of(id)};
        absl::StatusOr<Result> result =
            co_await bossa::call<Result>(self, *worker, job, absl::Seconds(2));
        if (result.ok()) {
          self.send(main_pid, *result);
          break;
        }
      }
      self.send(main_pid, Retried{id});
      (void)co_await self.receive(bossa::after(absl::Milliseconds(1), [] {}));
    }
  }
}

bossa::EventHandler console() {
  return bossa::EventHandler{[](const WorkerStarted& e) {
                               std::printf("log: %s started as %s\n", worker_name(e.worker).c_str(),
                                           e.pid.to_string().c_str());
                             },
                             [](const WorkerStopped& e) {
                               std::printf("log: %s stopped: %s\n", worker_name(e.worker).c_str(),
                                           e.reason.c_str());
                             }};
}

}  // namespace

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 60;
  bossa::Runtime runtime({.workers = 2});
  bossa::ScopedActor me(runtime);

  absl::StatusOr<Pid> log = bossa::spawn_event_manager(runtime);
  if (!log.ok() ||
      !bossa::call<bossa::Ack>(*me, *log, bossa::AddHandler{"console", console()}).ok()) {
    return 1;
  }
  bossa::SupervisorSpec spec{.strategy = bossa::RestartStrategy::kOneForOne,
                             .max_restarts = 100,
                             .period = absl::Seconds(1)};
  for (int i = 0; i < kWorkers; ++i) spec.children.push_back(worker(i, *log));
  absl::StatusOr<Pid> pool = bossa::start_supervisor(runtime, std::move(spec));
  if (!pool.ok()) {
    std::printf("the pool did not start: %s\n", pool.status().ToString().c_str());
    return 1;
  }
  me->monitor(*pool);

  for (int c = 0; c < kClients; ++c) {
    runtime.spawn_coroutine([c, jobs, main_pid = me.pid()](bossa::CoroutineActor& self) {
      return client(self, c, jobs, main_pid);
    });
  }

  std::vector<int> steps(jobs, -1);
  int done = 0;
  int retries = 0;
  bool all_correct = true;
  while (done < jobs) {
    absl::Status got = me->receive(
        [&](const Result& r) {
          ++done;
          steps[r.id] = r.steps;
          all_correct = all_correct && r.steps == collatz_steps(input_of(r.id));
        },
        [&](const Retried&) { ++retries; }, bossa::after(absl::Seconds(10), [] {}));
    if (!got.ok()) {
      std::printf("no progress for ten seconds\n");
      return 1;
    }
  }
  (void)bossa::sync_notify(*me, *log, Flush{});
  std::printf("%d jobs done (%s), %d calls retried after a crash or a restart\n", done,
              all_correct ? "all results correct" : "WRONG RESULTS", retries);

  absl::StatusOr<std::vector<bossa::ChildInfo>> children =
      bossa::call<std::vector<bossa::ChildInfo>>(*me, *pool, bossa::WhichChildren{});
  if (!children.ok()) return 1;
  for (const bossa::ChildInfo& child : *children) {
    std::printf("pool: %s is %s\n", child.id.c_str(), child.pid.to_string().c_str());
  }
  me->exit(*pool, bossa::ExitReason::shutdown());
  absl::StatusOr<bossa::DownMsg> down = me->receive_for<bossa::DownMsg>(absl::Seconds(10));
  (void)bossa::sync_notify(*me, *log, Flush{});
  std::printf("pool stopped: %s\n", down.ok() ? down->reason.to_string().c_str() : "?");
  return all_correct && down.ok() ? 0 : 1;
}
