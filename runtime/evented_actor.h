// EventedActor: an actor made of handlers, run by the scheduler only when it has messages; the
// cheapest kind of actor (a few hundred bytes; millions per node).
//
//   Pid counter = runtime.spawn([](EventedActor& self) -> Behavior {  // init: the first Behavior
//     auto count = std::make_shared<int>(0);
//     return {[count](Increment) { ++*count; },
//             [count](Get) { return *count; }};  // answers a request
//   });
//
// The actor stops normally when its behavior becomes empty (`self.become({})`), with `reason` on
// self.exit(reason), and with an error reason when a handler throws.
// Thread-safety: like every scheduled actor, its handlers run on one worker at a time.
#pragma once

#include <type_traits>
#include <utility>

#include "runtime/scheduled_actor.h"

namespace bossa {

class EventedActor final : public ScheduledActor {
 public:
  EventedActor(Runtime& runtime, Pid pid) : ScheduledActor(runtime, pid) {}

  // Runs init (Behavior(EventedActor&) or void(EventedActor&)) and starts taking messages.
  template <class Init>
  void start(Init&& init) {
    launch([&] {
      if constexpr (std::is_void_v<std::invoke_result_t<Init&, EventedActor&>>) {
        init(*this);
      } else {
        become_first(init(*this));
      }
    });
  }

 protected:
  bool finished() const override { return behavior_empty(); }
};

}  // namespace bossa
