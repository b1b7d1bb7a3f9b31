// CoroutineActor: an actor written as straight-line C++20 coroutine code, run by the scheduler.
//
//   runtime.spawn_coroutine([](CoroutineActor& self) -> ActorTask {
//     absl::StatusOr<Ping> ping = co_await self.receive_for<Ping>(absl::Seconds(1));
//     if (!ping.ok()) co_return;
//     absl::StatusOr<int> sum = co_await self.request<int>(adder, absl::Seconds(1), 2, 3);
//   });
//
// A co_await suspends only the actor, never a thread: the coroutine resumes, on whichever worker
// runs the actor next, when a matching message, the reply, or the timeout arrives. Messages the
// pending receive does not match stay in the mailbox in order; while a request is pending, only
// its reply is taken. The actor stops normally when the coroutine returns, and with a reason if it
// throws or calls exit(reason).
// Thread-safety: like every scheduled actor, the coroutine runs on one worker at a time.
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/scheduled_actor.h"

namespace bossa {

// The return type of a coroutine actor's body.
class ActorTask {
 public:
  struct promise_type {
    ActorTask get_return_object() {
      return ActorTask(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { exception = std::current_exception(); }

    std::exception_ptr exception;
  };

  ActorTask() = default;
  ActorTask(ActorTask&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  ActorTask& operator=(ActorTask&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~ActorTask() {
    if (handle_) handle_.destroy();
  }

  std::coroutine_handle<promise_type> handle() const noexcept { return handle_; }

 private:
  explicit ActorTask(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

class CoroutineActor final : public ScheduledActor {
 public:
  using Body = std::function<ActorTask(CoroutineActor&)>;

  CoroutineActor(Runtime& runtime, Pid pid) : ScheduledActor(runtime, pid) {}

  // Awaitable result of receive(): OkStatus once a handler ran, DeadlineExceeded once the after()
  // clause ran instead.
  class ReceiveAwaiter {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) {
      self_.await_receive(std::move(behavior_), status_);
    }
    absl::Status await_resume() { return std::move(status_); }

   private:
    friend class CoroutineActor;
    ReceiveAwaiter(CoroutineActor& self, Behavior behavior)
        : self_(self), behavior_(std::move(behavior)) {}
    CoroutineActor& self_;
    Behavior behavior_;
    absl::Status status_;
  };

  // Awaitable result of receive_for<T>(): the message, or DeadlineExceeded.
  template <class T>
  class ReceiveForAwaiter {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) {
      // Built here, where `this` has its final address in the coroutine frame.
      self_.await_receive(
          Behavior([this](T& value) { value_.emplace(std::move(value)); }, after(timeout_, [] {})),
          status_);
    }
    absl::StatusOr<T> await_resume() {
      if (!status_.ok()) return std::move(status_);
      return std::move(*value_);
    }

   private:
    friend class CoroutineActor;
    ReceiveForAwaiter(CoroutineActor& self, absl::Duration timeout)
        : self_(self), timeout_(timeout) {}
    CoroutineActor& self_;
    absl::Duration timeout_;
    std::optional<T> value_;
    absl::Status status_;
  };

  // Awaitable result of request(): the reply, or why there is none. The request is sent when
  // awaited, so it cannot be answered before anybody waits.
  template <class R>
  class [[nodiscard]] RequestAwaiter {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) {
      self_.await_nothing();
      self_.start_request(to_, timeout_, std::move(message_))
          .then(
              [this](R& reply) {
                result_ = std::move(reply);
                self_.resume_body();
              },
              [this](absl::Status status) {
                result_ = std::move(status);
                self_.resume_body();
              });
    }
    absl::StatusOr<R> await_resume() { return std::move(result_); }

   private:
    friend class CoroutineActor;
    RequestAwaiter(CoroutineActor& self, Pid to, absl::Duration timeout, ElementPtr message)
        : self_(self), to_(to), timeout_(timeout), message_(std::move(message)) {}
    CoroutineActor& self_;
    Pid to_;
    absl::Duration timeout_;
    ElementPtr message_;
    absl::StatusOr<R> result_;
  };

  // co_await: waits for a message one of the handlers matches, as ThreadedActor::receive does.
  template <class... Handlers>
  ReceiveAwaiter receive(Handlers&&... handlers) {
    return ReceiveAwaiter(*this, Behavior(std::forward<Handlers>(handlers)...));
  }

  // co_await: waits up to `timeout` for a message of type T.
  template <class T>
  ReceiveForAwaiter<T> receive_for(absl::Duration timeout) {
    return ReceiveForAwaiter<T>(*this, timeout);
  }

  // co_await: sends a request and waits up to `timeout` for its reply of type R.
  template <class R, class T, class... Ts>
  RequestAwaiter<R> request(Pid to, absl::Duration timeout, T&& value, Ts&&... more) {
    return RequestAwaiter<R>(
        *this, to, timeout,
        make_element<message_type_t<T, Ts...>>(pid(), MessageKind::kRequest, 0,
                                               std::forward<T>(value), std::forward<Ts>(more)...));
  }

  // Creates the coroutine and runs it up to its first co_await.
  void start(Body body);

 protected:
  bool finished() const override { return task_.handle() && task_.handle().done(); }
  ExitReason finished_reason() const override;
  void release_state() override {
    task_ = ActorTask();
    body_ = nullptr;
  }

 private:
  class ReceiveMatcher;

  void await_receive(Behavior behavior, absl::Status& status);
  // Sets all messages aside until the coroutine resumes (while a reply is awaited).
  void await_nothing();
  void resume_body() { task_.handle().resume(); }

  Body body_;  // kept alive: the coroutine may refer to the lambda's captures
  ActorTask task_;
};

}  // namespace bossa
