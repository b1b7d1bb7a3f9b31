// Server: gen_server for bossa. An actor that serves calls (requests, answered with a reply), casts
// and infos (plain messages, answered with nothing), and runs a terminate callback when it stops.
//
//   absl::StatusOr<Pid> counter = spawn_server(runtime, [](Server& self) -> ServerSpec {
//     auto count = std::make_shared<int>(0);                             // the server's state
//     return {.calls = {[count](const Get&) { return *count; }},         // reply by returning
//             .casts = {[count](const Add& add) { *count += add.n; }}};
//   });
//
// A request goes to the first `calls` handler of its type and fails at once if none answers or
// defers; a plain message goes to `casts`, else `infos`, else `unexpected`. With trap_exit an exit
// signal from the parent or the runtime stops it. terminate(reason) runs before the server stops,
// unless an exit signal it does not trap kills it. docs/behaviours.md gives every rule.
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
