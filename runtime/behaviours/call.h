// call and cast: talking to a server (or fsm, supervisor, event manager) from any kind of actor.
//
//   absl::StatusOr<int> n = call<int>(*me, counter, Get{});              // threaded / ScopedActor
//   absl::StatusOr<int> n = co_await call<int>(self, counter, Get{});    // coroutine actor
//   call(self, counter, Get{}).then([](int n) {...}, [](absl::Status) {...});  // evented actor
//   cast(self, counter, Add{2});
//
// A call is a runtime request of the caller's own message type, a cast an ordinary message: no
// wrapper travels, so a server on another node answers once the types have codecs. A call fails
// with DeadlineExceeded after its timeout (five seconds by default), Aborted if the server stops
// while handling it, an error at once if the server does not exist; from a ScopedActor, Cancelled
// when the runtime stops or the caller is killed. In a coroutine, pass a named message, not a
// temporary of a type with a destructor (g++ 12 mishandles it across co_await).
// Thread-safety: these are actor code; use them from the calling actor's own thread of execution.
#pragma once

#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/runtime.h"
#include "runtime/send_result.h"

namespace bossa {

inline constexpr absl::Duration kDefaultCallTimeout = absl::Seconds(5);

// Blocks the calling thread until the reply (an R) arrives or `timeout` passes.
template <class R, class M>
absl::StatusOr<R> call(ThreadedActor& self, Pid server, M&& request,
                       absl::Duration timeout = kDefaultCallTimeout) {
  return self.template request<R>(server, timeout, std::forward<M>(request));
}

// co_await: suspends the coroutine (not its worker) until the reply or the timeout.
template <class R, class M>
CoroutineActor::RequestAwaiter<R> call(CoroutineActor& self, Pid server, M&& request,
                                       absl::Duration timeout = kDefaultCallTimeout) {
  return self.template request<R>(server, timeout, std::forward<M>(request));
}

// The outcome goes to the handlers given to then(), which fix the reply type.
template <class M>
[[nodiscard]] ScheduledActor::PendingRequest call(EventedActor& self, Pid server, M&& request,
                                                  absl::Duration timeout = kDefaultCallTimeout) {
  return self.request(server, timeout, std::forward<M>(request));
}

// Sends `message` without waiting for anything (gen_server:cast). As for send, the result is an
// error only when the message cannot leave for the server's node (see send_result.h).
template <class M>
SendResult cast(Actor& self, Pid server, M&& message) {
  return self.send(server, std::forward<M>(message));
}

// The same from outside any actor (the sender is the zero pid).
template <class M>
SendResult cast(Runtime& runtime, Pid server, M&& message) {
  return runtime.send(server, std::forward<M>(message));
}

}  // namespace bossa
