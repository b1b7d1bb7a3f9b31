// Server: gen_server for bossa. An actor that serves calls (requests answered with a reply),
// casts (messages answered with nothing) and infos (everything else it is told), and runs a
// terminate callback when it stops.
//
//   absl::StatusOr<Pid> counter = spawn_server(runtime, [](Server& self) -> ServerSpec {
//     auto count = std::make_shared<int>(0);               // init: the server's state
//     return {
//         .calls = {[count](const Get&) { return *count; }},               // reply by returning
//         .casts = {[count](const Add& add) { *count += add.n; }},
//         .infos = {[&self](const DownMsg&) { self.stop(ExitReason::shutdown()); }},
//         .terminate = [](const ExitReason& why) { /* release what init took */ },
//     };
//   });
//
// How a message is dispatched (the first rule that applies):
//  - a request (call) goes to the first `calls` handler of its type. The handler answers by
//    returning a value, by self.reply(value), or takes the duty with self.defer() and answers
//    later from anywhere (a deferred reply, gen_server's noreply). A request no handler takes, or
//    that its handler left unanswered without deferring, fails at once with an ErrorReply.
//  - with trap_exit, an ExitMsg from the parent (the `link_to` of spawn_server) or from the
//    runtime itself (the zero pid) stops the server with that reason, as in gen_server.
//  - a plain message goes to the first `casts` handler of its type, else to the first `infos`
//    handler of its type. Casts and infos travel alike (an ordinary message of the user's type);
//    what makes one an info is only that its type is declared under `infos`. ExitMsg (when
//    trapping), DownMsg and the ticks of the user's own send_after belong there, as does an after()
//    clause, which fires when the server has been idle that long (gen_server's timeout).
//  - a message no handler takes is dropped and passed to `unexpected`, if set.
//
// Stopping: self.stop(reason) in a handler stops the server once the handler returns (its reply,
// if any, is sent first); a handler that throws stops it with `error: <what>`. Either way
// terminate(reason) runs first. An exit signal that is not trapped kills the server without it.
//
// Thread-safety: handlers, terminate and the Server methods run on the server's own actor.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <typeinfo>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "runtime/runtime.h"

namespace bossa {

struct ServerSpec {
  Behavior calls{};  // requests; a handler's return value is the reply
  Behavior casts{};  // plain messages of these types
  Behavior infos{};  // other plain messages: ExitMsg, DownMsg, timers; an after() idle timeout
  std::function<void(const ExitReason&)> terminate{};
  std::function<void(Pid from, const std::type_info& type)> unexpected{};
  bool trap_exit = false;  // exit signals arrive as ExitMsg infos (and run terminate)
};

// The handle a server's handlers use to act as the server.
class Server {
 public:
  // `parent`: an exit signal from it stops a trapping server (see the rules above).
  Server(ScheduledActor& actor, Pid parent) : actor_(actor), parent_(parent) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  ScheduledActor& actor() const noexcept { return actor_; }
  Pid pid() const noexcept { return actor_.pid(); }
  Pid parent() const noexcept { return parent_; }

  // Answers the call being handled now.
  template <class T>
  void reply(T&& value) {
    actor_.reply(std::forward<T>(value));
  }
  // In a call handler: the reply comes later, through the promise (deliver or fail it).
  ResponsePromise defer() { return actor_.make_response_promise(); }

  // Stops the server with `reason` once the current handler returns; terminate(reason) runs
  // first. The first reason given wins.
  void stop(ExitReason reason) {
    if (!stop_) stop_ = std::move(reason);
  }
  const std::optional<ExitReason>& stop_requested() const noexcept { return stop_; }

  // The server's dispatch rules over `spec`, as a behavior. The server and `spec` must outlive
  // it. spawn_server uses it; a coroutine actor serves with it one message per
  // `co_await self.receive(server.behavior(spec))`, and may co_await anything in between.
  Behavior behavior(ServerSpec& spec);

 private:
  ScheduledActor& actor_;
  const Pid parent_;
  std::optional<ExitReason> stop_;
};

namespace detail {

// What an evented server owns: the handle and the spec whose handlers refer to it.
struct ServerState {
  ServerState(ScheduledActor& actor, Pid parent) : server(actor, parent) {}
  Server server;
  ServerSpec spec;
};

// The dispatch rules of Server::behavior (which also sets the actor's trap_exit from the spec).
// The behavior keeps `keep_alive` (the owner of the server and its spec, or nothing) alive.
Behavior server_behavior(Server& server, ServerSpec& spec, std::shared_ptr<void> keep_alive);

}  // namespace detail

inline Behavior Server::behavior(ServerSpec& spec) {
  return detail::server_behavior(*this, spec, nullptr);
}

// Spawns an evented server: init (ServerSpec(Server&)) runs before this returns and returns the
// handlers, which may keep references to the Server. Aborted if init throws or calls stop (the
// actor then stops with that reason; terminate does not run, as in gen_server); Unavailable if the
// runtime is shutting down. Link it to a parent with options.link_to.
template <class Init>
absl::StatusOr<Pid> spawn_server(Runtime& runtime, Init&& init, SpawnOptions options = {}) {
  std::optional<ExitReason> failed;
  const Pid parent = options.link_to;
  const Pid pid = runtime.spawn(
      [&init, &failed, parent](EventedActor& actor) -> Behavior {
        auto state = std::make_shared<detail::ServerState>(actor, parent);
        try {
          state->spec = init(state->server);
          if (state->server.stop_requested()) actor.exit(*state->server.stop_requested());
        } catch (...) {
          failed = exit_reason_of_current_exception();
          throw;
        }
        Server& server = state->server;
        ServerSpec& spec = state->spec;
        return detail::server_behavior(server, spec, std::move(state));
      },
      options);
  if (failed) {
    return absl::AbortedError(absl::StrCat("server init failed: ", failed->to_string()));
  }
  if (!pid.valid()) return absl::UnavailableError("spawn_server: the runtime is shutting down");
  return pid;
}

}  // namespace bossa
