// sleeping_barber: a barber, a waiting room of three chairs, and customers who arrive at random;
// the barber sleeps when nobody waits, and a customer who finds every chair taken goes away.
//
//   build/examples/otp/sleeping_barber [customers]
//
// The barber is an fsm ("sleeping" / "cutting") whose haircut ends with a state timeout; a
// customer's Arrive call is answered when the haircut is done (a deferred reply) or at once if
// there is no chair. Customers are coroutine actors. Everything that happens is notified to an
// event manager, the shop's log, with two handlers: one prints, one keeps the score and tells
// main() when every customer has been seen to.
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/behaviours/call.h"
#include "runtime/behaviours/event_manager.h"
#include "runtime/behaviours/fsm.h"

namespace {

using bossa::Pid;
using bossa::Transition;

constexpr int kChairs = 3;
constexpr absl::Duration kHaircut = absl::Milliseconds(40);

// Requests and their answer.
struct Arrive {
  int customer;
};
struct Outcome {
  bool served;
};

// Events in the shop's log.
struct Arrived {
  int customer;
};
struct Seated {
  int customer;
  int waiting;
};
struct TurnedAway {
  int customer;
};
struct HaircutStarted {
  int customer;
};
struct HaircutDone {
  int customer;
};
struct BarberSleeps {};
struct Closing {};
struct AllSeenTo {
  int served;
  int turned_away;
};

bossa::FsmSpec barber(bossa::Fsm& self, Pid log) {
  struct Shop {
    int in_chair = 0;
    bossa::ResponsePromise in_chair_reply;
    std::deque<std::pair<int, bossa::ResponsePromise>> waiting;
  };
  auto shop = std::make_shared<Shop>();
  auto start_cut = [&self, shop, log](int customer, bossa::ResponsePromise reply) {
    shop->in_chair = customer;
    shop->in_chair_reply = std::move(reply);
    bossa::notify(self.actor(), log, HaircutStarted{customer});
    return Transition::next("cutting").state_timeout(kHaircut);
  };
  bossa::FsmSpec spec("sleeping");
  spec.state("sleeping",
             {[&self, start_cut](const Arrive& a) { return start_cut(a.customer, self.defer()); }})
      .state("cutting", {[&self, shop, log](const Arrive& a) {
                           if (static_cast<int>(shop->waiting.size()) == kChairs) {
                             self.reply(Outcome{false});
                             bossa::notify(self.actor(), log, TurnedAway{a.customer});
                           } else {
                             shop->waiting.emplace_back(a.customer, self.defer());
                             bossa::notify(
                                 self.actor(), log,
                                 Seated{a.customer, static_cast<int>(shop->waiting.size())});
                           }
                           return Transition::ignore();
                         },
                         [&self, shop, log, start_cut](const bossa::StateTimeout&) {
                           shop->in_chair_reply.deliver(Outcome{true});
                           bossa::notify(self.actor(), log, HaircutDone{shop->in_chair});
                           if (shop->waiting.empty()) {
                             bossa::notify(self.actor(), log, BarberSleeps{});
                             return Transition::next("sleeping");
                           }
                           auto [next, reply] = std::move(shop->waiting.front());
                           shop->waiting.pop_front();
                           return start_cut(next, std::move(reply));
                         }});
  return spec;
}

// Comes in after `delay`, asks for a haircut and waits for it.
bossa::ActorTask customer(bossa::CoroutineActor& self, int id, absl::Duration delay, Pid barber,
                          Pid log) {
  (void)co_await self.receive(bossa::after(delay, [] {}));
  bossa::notify(self, log, Arrived{id});
  absl::StatusOr<Outcome> outcome =
      co_await bossa::call<Outcome>(self, barber, Arrive{id}, absl::Seconds(10));
  if (!outcome.ok()) self.exit(bossa::ExitReason::error(outcome.status().ToString()));
}

// Prints every event with the time since the shop opened.
bossa::EventHandler console() {
  const absl::Time opened = absl::Now();
  auto print = [opened](const std::string& line) {
    std::printf("%4lld ms  %s\n",
                static_cast<long long>(absl::ToInt64Milliseconds(absl::Now() - opened)),
                line.c_str());
  };
  return bossa::EventHandler{
      [print](const Arrived& e) { print(absl::StrCat("customer ", e.customer, " comes in")); },
      [print](const Seated& e) {
        print(absl::StrCat("customer ", e.customer, " sits down to wait (", e.waiting, "/", kChairs,
                           " chairs taken)"));
      },
      [print](const TurnedAway& e) {
        print(absl::StrCat("customer ", e.customer, " finds no chair and leaves"));
      },
      [print](const HaircutStarted& e) {
        print(absl::StrCat("the barber cuts the hair of customer ", e.customer));
      },
      [print](const HaircutDone& e) {
        print(absl::StrCat("customer ", e.customer, " leaves with a haircut"));
      },
      [print](const BarberSleeps&) { print("the barber falls asleep"); },
      [print](const Closing&) { print("the shop closes"); }};
}

// Counts outcomes and tells `main_pid` once all `customers` are seen to.
bossa::EventHandler score(bossa::Runtime& runtime, Pid main_pid, int customers) {
  auto tally = std::make_shared<AllSeenTo>(AllSeenTo{0, 0});
  auto check = [&runtime, main_pid, customers, tally] {
    if (tally->served + tally->turned_away == customers) runtime.send(main_pid, *tally);
  };
  return bossa::EventHandler{[tally, check](const HaircutDone&) {
                               ++tally->served;
                               check();
                             },
                             [tally, check](const TurnedAway&) {
                               ++tally->turned_away;
                               check();
                             }};
}

}  // namespace

int main(int argc, char** argv) {
  const int customers = argc > 1 ? std::max(1, std::atoi(argv[1])) : 12;
  bossa::Runtime runtime({.workers = 2});
  bossa::ScopedActor me(runtime);

  absl::StatusOr<Pid> log = bossa::spawn_event_manager(runtime);
  if (!log.ok()) return 1;
  if (!bossa::call<bossa::Ack>(*me, *log, bossa::AddHandler{"console", console()}).ok() ||
      !bossa::call<bossa::Ack>(*me, *log,
                               bossa::AddHandler{"score", score(runtime, me.pid(), customers)})
           .ok()) {
    return 1;
  }
  absl::StatusOr<Pid> shop =
      bossa::spawn_fsm(runtime, [log = *log](bossa::Fsm& self) { return barber(self, log); });
  if (!shop.ok()) return 1;

  std::mt19937 random(7);
  std::uniform_int_distribution<int> gap_ms(0, 35);
  absl::Duration arrival;
  for (int id = 1; id <= customers; ++id) {
    arrival += absl::Milliseconds(gap_ms(random));
    runtime.spawn_coroutine([id, arrival, barber = *shop, log = *log](bossa::CoroutineActor& self) {
      return customer(self, id, arrival, barber, log);
    });
  }

  absl::StatusOr<AllSeenTo> tally = me->receive_for<AllSeenTo>(absl::Seconds(10));
  if (!tally.ok()) {
    std::printf("the shop never emptied: %s\n", tally.status().ToString().c_str());
    return 1;
  }
  // Returns once the log has printed everything notified before it.
  if (!bossa::sync_notify(*me, *log, Closing{}).ok()) return 1;
  std::printf("%d served, %d turned away, %d customers\n", tally->served, tally->turned_away,
              customers);
  return tally->served + tally->turned_away == customers && tally->served > 0 ? 0 : 1;
}
