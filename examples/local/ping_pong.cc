// ping_pong: two evented actors play a rally of N strokes, and a coroutine actor referees.
//
//   build/examples/local/ping_pong [strokes]
//
// Shows spawning, sending by pid and by registered name, answering the sender, selective receive
// and requests with a timeout in a coroutine actor, and a monitor that tells main() the game is
// over.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "runtime/runtime.h"

namespace {

struct Ball {
  int strokes_left;
  bossa::Pid referee;
};
struct RallyOver {
  std::string winner;
};
struct Serve {
  bossa::Pid opponent;
  int strokes;
  bossa::Pid referee;
};
struct Score {};  // a request: how many balls has the player hit?

// A player serves when told to, returns every ball to whoever hit it, and tells the referee when
// no strokes are left.
bossa::Behavior player(bossa::EventedActor& self, std::string name) {
  auto hits = std::make_shared<int>(0);
  return {
      [&self, name, hits](const Ball& ball) {
        ++*hits;
        if (ball.strokes_left == 0) {
          self.send(ball.referee, RallyOver{name});
          return;
        }
        self.send(self.sender(), Ball{ball.strokes_left - 1, ball.referee});
      },
      [&self](const Serve& serve) {
        self.send(serve.opponent, Ball{serve.strokes, serve.referee});
      },
      [hits](Score) { return *hits; },
  };
}

}  // namespace

int main(int argc, char** argv) {
  const int strokes = argc > 1 ? std::atoi(argv[1]) : 100000;
  bossa::Runtime runtime;

  const bossa::Pid ping =
      runtime.spawn([](bossa::EventedActor& self) { return player(self, "ping"); });
  const bossa::Pid pong =
      runtime.spawn([](bossa::EventedActor& self) { return player(self, "pong"); });
  if (!runtime.register_name("pong", pong).ok()) return 1;

  // The referee has ping serve to pong (found by name), waits for the end of the rally, then asks
  // both players for their scores.
  const bossa::Pid referee =
      runtime.spawn_coroutine([ping, strokes](bossa::CoroutineActor& self) -> bossa::ActorTask {
        const bossa::Pid pong = *self.runtime().whereis("pong");
        self.send(ping, Serve{pong, strokes, self.pid()});
        absl::StatusOr<RallyOver> over = co_await self.receive_for<RallyOver>(absl::Seconds(30));
        if (!over.ok()) self.exit(bossa::ExitReason::error("the rally never ended"));
        std::printf("referee: %s played the last ball\n", over->winner.c_str());
        for (bossa::Pid p : {ping, pong}) {
          absl::StatusOr<int> hits = co_await self.request<int>(p, absl::Seconds(1), Score{});
          std::printf("referee: %s hit %d balls\n", p.to_string().c_str(), hits.ok() ? *hits : -1);
        }
      });

  bossa::ScopedActor main_actor(runtime);
  main_actor->monitor(referee);
  absl::StatusOr<bossa::DownMsg> down = main_actor->receive_for<bossa::DownMsg>(absl::Seconds(60));
  if (!down.ok()) return 1;
  std::printf("referee %s stopped: %s\n", referee.to_string().c_str(),
              down->reason.to_string().c_str());
  return down->reason.is_normal() ? 0 : 1;
}
