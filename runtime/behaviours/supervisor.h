// Supervisor: an actor that starts children, watches them and restarts them when they stop, by
// a strategy and within a restart budget (OTP's supervisor).
//
//   SupervisorSpec spec{.strategy = RestartStrategy::kOneForOne, .max_restarts = 3,
//                       .period = absl::Seconds(5)};
//   spec.children.push_back({.id = "cache", .start = [](Runtime& rt, const SpawnOptions& o) {
//                              return spawn_server(rt, make_cache, o); }});
//   absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(spec));
//   absl::StatusOr<std::vector<ChildInfo>> children = call<std::vector<ChildInfo>>(
//       *me, *sup, WhichChildren{});
//
// Children start in the order given, each linked to the supervisor (a start function should
// spawn with the SpawnOptions it gets; the supervisor links the returned pid in any case). When a
// child stops, its restart type decides whether it is restarted: permanent always, transient
// unless it stopped with normal or shutdown, temporary never (its spec is then dropped). The
// strategy decides what else restarts with it: one_for_one nothing, one_for_all every other child
// and rest_for_one the children started after it; those are stopped first, in reverse start
// order, and all restart in start order (temporary ones among them are dropped). A child that
// fails to start again counts as one more restart.
//
// Every restart counts against the budget: more than max_restarts within `period` and the
// supervisor stops all children and itself, with reason `shutdown: reached_max_restart_intensity`
// (as OTP's supervisor: a supervisor above restarts it if it is a permanent child, not if it is
// transient). An exit signal from its parent or the runtime (any reason), or from anyone not a
// child (any reason but normal), makes it stop all children in reverse start order and then stop
// with that reason.
//
// Stopping a child: unlink, monitor, exit signal `shutdown`; if it has not stopped after its
// shutdown timeout, `kill` (kBrutalKill: `kill` at once; an infinite timeout waits, as for a
// supervisor child). A threaded child notices a signal only in receive.
//
// At run time it answers these requests (make them with call<R>, see call.h): StartChild ->
// Pid, TerminateChild -> Ack, RestartChild -> Pid, DeleteChild -> Ack, WhichChildren ->
// std::vector<ChildInfo>; a failure comes back as an error status (NotFound, AlreadyExists,
// FailedPrecondition, or the start function's own); any other request fails with
// InvalidArgument, any other message is dropped. While it stops children it handles nothing
// else; requests wait in its mailbox.
//
// Thread-safety: start functions run on the supervisor's actor.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/behaviours/ack.h"
#include "runtime/runtime.h"

namespace bossa {

enum class RestartStrategy { kOneForOne, kOneForAll, kRestForOne };
enum class RestartType { kPermanent, kTransient, kTemporary };
enum class ChildType { kWorker, kSupervisor };

// A child's shutdown timeout that means "kill it at once".
inline constexpr absl::Duration kBrutalKill = absl::ZeroDuration();

struct ChildSpec {
  std::string id{};  // unique within the supervisor
  // Starts the child, linked to options.link_to (the supervisor), and returns its pid.
  std::function<absl::StatusOr<Pid>(Runtime&, const SpawnOptions&)> start{};
  RestartType restart = RestartType::kPermanent;
  absl::Duration shutdown = absl::Seconds(5);  // kBrutalKill, a timeout, or InfiniteDuration()
  ChildType type = ChildType::kWorker;
};

struct SupervisorSpec {
  RestartStrategy strategy = RestartStrategy::kOneForOne;
  int max_restarts = 1;                      // OTP's intensity...
  absl::Duration period = absl::Seconds(5);  // ...and period
  std::vector<ChildSpec> children{};
};

// A child as which_children reports it; pid is the zero pid when it is not running.
struct ChildInfo {
  std::string id{};
  Pid pid{};
  ChildType type = ChildType::kWorker;
  RestartType restart = RestartType::kPermanent;
};

// Requests a supervisor answers.
struct StartChild {  // adds and starts a child -> Pid
  ChildSpec spec;
};
struct TerminateChild {  // stops a running child, keeping its spec (unless temporary) -> Ack
  std::string id;
};
struct RestartChild {  // starts a stopped child again -> Pid
  std::string id;
};
struct DeleteChild {  // drops the spec of a stopped child -> Ack
  std::string id;
};
struct WhichChildren {};  // -> std::vector<ChildInfo>, in start order

// The reason a supervisor stops with when its restart budget is spent.
ExitReason reached_max_restart_intensity();

// Spawns a supervisor (a coroutine actor) and starts its children before returning. If a child
// fails to start, the supervisor stops those already started and stops itself, and this returns
// that child's error; Unavailable if the runtime is shutting down.
absl::StatusOr<Pid> start_supervisor(Runtime& runtime, SupervisorSpec spec,
                                     SpawnOptions options = {});

}  // namespace bossa
