// dining_philosophers: five philosophers share five forks; a waiter keeps one seat empty so that
// they can never all hold one fork and wait for the other (Dijkstra's deadlock).
//
//   build/examples/otp/dining_philosophers [meals]
//
// The forks are fsms ("free" / "taken"): a Take call made while a fork is taken is postponed by
// the fsm and answered when the fork is put down. The waiter is a server that defers its answer
// to a philosopher while four are seated. Philosophers are coroutine actors that co_await their
// calls. Forks and the waiter are found by their registered names; main() prints what the
// philosophers tell it and checks the waiter's count at the end.
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/behaviours/ack.h"
#include "runtime/behaviours/call.h"
#include "runtime/behaviours/fsm.h"
#include "runtime/behaviours/server.h"

namespace {

using bossa::Ack;
using bossa::call;
using bossa::cast;

constexpr int kPhilosophers = 5;
constexpr const char* kNames[kPhilosophers] = {"Aristotle", "Kant", "Spinoza", "Marx", "Russell"};

struct Take {};
struct Put {};
struct Sit {};
struct Leave {};
struct MealsServed {};

std::string fork_name(int i) {
  return absl::StrCat("fork-", i);
}

// A fork: Take answers Ack and takes it; in "taken", Take waits (postponed) until Put.
bossa::FsmSpec fork_fsm(bossa::Fsm& self) {
  bossa::FsmSpec spec("free");
  spec.state("free", {[&self](const Take&) {
               self.reply(Ack{});
               return bossa::Transition::next("taken");
             }})
      .state("taken", {[](const Put&) { return bossa::Transition::next("free"); }});
  return spec;
}

// The waiter seats at most four at a time; the fifth is answered when somebody leaves.
bossa::ServerSpec waiter(bossa::Server& self) {
  struct Table {
    int seated = 0;
    int meals = 0;
    std::deque<bossa::ResponsePromise> queue;
  };
  auto table = std::make_shared<Table>();
  return {.calls = {[&self, table](const Sit&) {
                      if (table->seated < kPhilosophers - 1) {
                        ++table->seated;
                        self.reply(Ack{});
                      } else {
                        table->queue.push_back(self.defer());
                      }
                    },
                    [table](const MealsServed&) { return table->meals; }},
          .casts = {[table](const Leave&) {
            ++table->meals;
            if (table->queue.empty()) {
              --table->seated;
            } else {  // the seat goes straight to the one waiting longest
              table->queue.front().deliver(Ack{});
              table->queue.pop_front();
            }
          }}};
}

// Waits `ms` milliseconds without holding a worker.
bossa::CoroutineActor::ReceiveAwaiter pause(bossa::CoroutineActor& self, int ms) {
  return self.receive(bossa::after(absl::Milliseconds(ms), [] {}));
}

bossa::ActorTask philosopher(bossa::CoroutineActor& self, int seat, int meals, bossa::Pid table) {
  const std::string name = kNames[seat];
  const bossa::Pid waiter = *self.runtime().whereis("waiter");
  const bossa::Pid left = *self.runtime().whereis(fork_name(seat));
  const bossa::Pid right = *self.runtime().whereis(fork_name((seat + 1) % kPhilosophers));
  std::mt19937 random(static_cast<unsigned>(seat + 1));
  std::uniform_int_distribution<int> think_ms(5, 30);
  for (int meal = 1; meal <= meals; ++meal) {
    self.send(table, absl::StrCat(name, " thinks"));
    (void)co_await pause(self, think_ms(random));
    if (!(co_await call<Ack>(self, waiter, Sit{})).ok())
      self.exit(bossa::ExitReason::error("no seat"));
    if (!(co_await call<Ack>(self, left, Take{})).ok() ||
        !(co_await call<Ack>(self, right, Take{})).ok()) {
      self.exit(bossa::ExitReason::error("no fork"));
    }
    self.send(table, absl::StrCat(name, " eats meal ", meal, "/", meals, " with forks ", seat,
                                  " and ", (seat + 1) % kPhilosophers));
    (void)co_await pause(self, think_ms(random));
    cast(self, right, Put{});
    cast(self, left, Put{});
    cast(self, waiter, Leave{});
  }
  self.send(table, absl::StrCat(name, " is full and leaves the table"));
}

}  // namespace

int main(int argc, char** argv) {
  const int meals = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  bossa::Runtime runtime({.workers = 2});
  bossa::ScopedActor table(runtime);

  for (int i = 0; i < kPhilosophers; ++i) {
    absl::StatusOr<bossa::Pid> f = bossa::spawn_fsm(runtime, fork_fsm);
    if (!f.ok() || !runtime.register_name(fork_name(i), *f).ok()) return 1;
  }
  absl::StatusOr<bossa::Pid> w = bossa::spawn_server(runtime, waiter);
  if (!w.ok() || !runtime.register_name("waiter", *w).ok()) return 1;

  for (int seat = 0; seat < kPhilosophers; ++seat) {
    bossa::Pid p =
        runtime.spawn_coroutine([seat, meals, me = table.pid()](bossa::CoroutineActor& self) {
          return philosopher(self, seat, meals, me);
        });
    runtime.register_name(kNames[seat], p).IgnoreError();  // for the curious: whereis("Kant")
    table->monitor(p);
  }

  int left_the_table = 0;
  bool all_well = true;
  while (left_the_table < kPhilosophers) {
    absl::Status got =
        table->receive([](const std::string& line) { std::printf("%s\n", line.c_str()); },
                       [&](const bossa::DownMsg& down) {
                         ++left_the_table;
                         if (!down.reason.is_normal()) {
                           all_well = false;
                           std::printf("%s stopped: %s\n", down.pid.to_string().c_str(),
                                       down.reason.to_string().c_str());
                         }
                       },
                       bossa::after(absl::Seconds(10), [] {}));
    if (!got.ok()) {
      std::printf("nobody ate for ten seconds: deadlock?\n");
      return 1;
    }
  }
  absl::StatusOr<int> served = call<int>(*table, *w, MealsServed{});
  std::printf("the waiter served %d meals (%d expected)\n", served.value_or(-1),
              kPhilosophers * meals);
  return all_well && served.ok() && *served == kPhilosophers * meals ? 0 : 1;
}
