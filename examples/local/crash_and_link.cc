// crash_and_link: what happens when an actor crashes, without any supervisor.
//
//   build/examples/local/crash_and_link
//
// A threaded "watcher" traps exits and links to a worker; a "buddy" is linked to the same worker
// but does not trap exits. The worker divides numbers and throws on a division by zero: it dies
// with the exception's text as its reason, the buddy dies with it, and the watcher receives the
// exit signal as a message and reports it. The runtime and every other actor go on.
#include <cstdio>
#include <stdexcept>

#include "runtime/runtime.h"

namespace {

struct Divide {
  int dividend;
  int divisor;
};

bossa::Behavior divider(bossa::EventedActor&) {
  return {[](const Divide& d) {
    if (d.divisor == 0) throw std::domain_error("division by zero");
    return d.dividend / d.divisor;
  }};
}

}  // namespace

int main() {
  bossa::Runtime runtime;
  bossa::ScopedActor main_actor(runtime);
  const bossa::Pid report_to = main_actor.pid();

  const bossa::Pid worker = runtime.spawn(divider);
  const bossa::Pid buddy =
      runtime.spawn([](bossa::EventedActor&) -> bossa::Behavior { return {[](int) {}}; },
                    bossa::SpawnOptions{.link_to = worker});

  const bossa::Pid watcher = runtime.spawn_thread([worker, report_to](bossa::ThreadedActor& self) {
    self.trap_exit(true);
    self.link(worker);
    self.send(report_to, std::string("watching"));
    (void)self.receive([&](const bossa::ExitMsg& exit) {
      std::printf("watcher: linked %s exited: %s\n", exit.from.to_string().c_str(),
                  exit.reason.to_string().c_str());
    });
  });
  (void)main_actor->receive_for<std::string>(absl::Seconds(5));  // the link is in place

  main_actor->monitor(buddy);
  main_actor->monitor(watcher);
  absl::StatusOr<int> quotient = main_actor->request<int>(worker, absl::Seconds(1), Divide{84, 2});
  std::printf("main: 84 / 2 = %d\n", quotient.ok() ? *quotient : -1);
  absl::StatusOr<int> crash = main_actor->request<int>(worker, absl::Seconds(1), Divide{1, 0});
  std::printf("main: 1 / 0 -> %s\n", crash.status().ToString().c_str());

  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<bossa::DownMsg> down = main_actor->receive_for<bossa::DownMsg>(absl::Seconds(5));
    if (!down.ok()) return 1;
    std::printf("main: %s is down: %s\n", down->pid == buddy ? "buddy" : "watcher",
                down->reason.to_string().c_str());
  }
  std::printf("main: %zu actor(s) still alive, %llu dead letter(s)\n", runtime.actor_count(),
              static_cast<unsigned long long>(runtime.dead_letter_count()));
  return 0;
}
