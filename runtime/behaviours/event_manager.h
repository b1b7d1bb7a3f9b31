// Event manager: gen_event for bossa. An actor that shows every event it gets to each of its
// handlers in turn (an EventHandler, see event_handler.h), and to which handlers are added and
// from which they are deleted at run time.
//
//   absl::StatusOr<Pid> log = spawn_event_manager(runtime);
//   call<Ack>(*me, *log, AddHandler{.id = "console", .handler = EventHandler{...}});
//   notify(*me, *log, Sold{"tea"});                 // returns at once
//   sync_notify(*me, *log, Sold{"cake"});           // returns once every handler has run
//
// Handlers run in the order they were added. One that throws is removed (its on_terminate runs)
// and the crash is reported as a HandlerCrashed event to its `report_to` and to the remaining
// handlers; the manager lives on. docs/behaviours.md gives every rule.
// Thread-safety: handlers run on the manager's actor, one event at a time.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/behaviours/ack.h"
#include "runtime/behaviours/call.h"
#include "runtime/behaviours/event_handler.h"
#include "runtime/runtime.h"

namespace bossa {

struct AddHandler {
  std::string id{};
  EventHandler handler{};
  Pid report_to{};  // gets HandlerCrashed if the handler crashes; the zero pid: nobody
};
struct DeleteHandler {  // runs the handler's on_terminate with normal
  std::string id;
};
struct WhichHandlers {};

// A handler crashed and was removed.
struct HandlerCrashed {
  Pid manager;
  std::string id;
  ExitReason reason;
};

// Spawns an event manager with no handlers; Unavailable if the runtime is shutting down.
absl::StatusOr<Pid> spawn_event_manager(Runtime& runtime, SpawnOptions options = {});

// Sends `event` to the manager without waiting; the result as cast's.
template <class E>
SendResult notify(Actor& self, Pid manager, E&& event) {
  return cast(self, manager, std::forward<E>(event));
}
template <class E>
SendResult notify(Runtime& runtime, Pid manager, E&& event) {
  return cast(runtime, manager, std::forward<E>(event));
}

// Sends `event` and waits until every handler has run: absl::StatusOr<Ack> for a threaded actor,
// an awaitable of it for a coroutine actor, a PendingRequest (then(Ack, Status)) for an evented
// one.
template <class Self, class E>
auto sync_notify(Self& self, Pid manager, E&& event, absl::Duration timeout = kDefaultCallTimeout) {
  if constexpr (std::is_same_v<Self, EventedActor>) {
    return call(self, manager, std::forward<E>(event), timeout);
  } else {
    return call<Ack>(self, manager, std::forward<E>(event), timeout);
  }
}

}  // namespace bossa
