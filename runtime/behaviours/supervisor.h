// Supervisor: an actor that starts children, watches them and restarts them when they stop, by a
// strategy and within a restart budget (OTP's supervisor).
//
//   SupervisorSpec spec{.strategy = RestartStrategy::kOneForOne, .max_restarts = 3,
//                       .period = absl::Seconds(5)};
//   spec.children.push_back({.id = "cache", .start = [](Runtime& rt, const SpawnOptions& o) {
//                              return spawn_server(rt, make_cache, o); }});
//   absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(spec));
//
// Children start in order, linked to the supervisor. A child's restart type says whether it comes
// back, the strategy what restarts with it; more than max_restarts within `period` stops every
// child and the supervisor (reached_max_restart_intensity()). It answers the requests declared
// below, made with call<R> (call.h). docs/behaviours.md gives every rule.
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
