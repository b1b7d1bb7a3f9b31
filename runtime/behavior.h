// Behavior: the set of handlers an actor uses to match messages, by type, in order.
//
//   Behavior b{
//       [](const Ping& p) { ... },              // matches a Ping
//       [](int x, std::string s) { ... },       // matches std::tuple<int, std::string>
//       [](const Query& q) { return Answer{}; } // a value returned to a request is its reply
//       after(absl::Seconds(1), [] { ... }),    // runs when no message matched for a second
//   };
//
// A handler takes its message as `T` (moved out of the message), `T&&`, `T&` or `const T&`. The
// first handler whose type matches runs; a message that no handler matches stays in the mailbox,
// in order, until a later behavior takes it (selective receive). A returned value answers a
// request and is discarded for a plain message. A behavior is built once and owned by one actor;
// it is used only by that actor's thread of execution.
#pragma once

#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/time/time.h"
#include "runtime/callable_traits.h"
#include "runtime/mailbox_element.h"

namespace bossa {

// Receives the value a handler returned; the actor turns it into a reply if the current message
// was a request.
class ReplySink {
 public:
  virtual void reply_with(ElementPtr reply) = 0;

 protected:
  ~ReplySink() = default;
};

// The timeout clause of a behavior: see after().
template <class F>
struct TimeoutClause {
  absl::Duration timeout;
  F handler;
};

// "If nothing matched within `timeout`, run `handler`": Erlang's receive ... after.
template <class F>
TimeoutClause<std::decay_t<F>> after(absl::Duration timeout, F&& handler) {
  return {timeout, std::forward<F>(handler)};
}

namespace detail {

template <class T>
struct is_timeout_clause : std::false_type {};
template <class F>
struct is_timeout_clause<TimeoutClause<F>> : std::true_type {};

template <class F, class Tuple, size_t... I>
decltype(auto) apply_forwarding(F& f, Tuple& values, std::index_sequence<I...>) {
  using args = typename callable_traits<F>::args;
  return f(std::forward<std::tuple_element_t<I, args>>(std::get<I>(values))...);
}

// Calls f with the payload of e, forwarding each argument as f declares it.
template <class F>
decltype(auto) call_with_payload(F& f, MailboxElement& e) {
  using traits = callable_traits<F>;
  using M = typename traits::message_type;
  M& message = *static_cast<M*>(e.payload());
  if constexpr (traits::arity == 1) {
    return f(std::forward<std::tuple_element_t<0, typename traits::args>>(message));
  } else {
    return apply_forwarding(f, message, std::make_index_sequence<traits::arity>{});
  }
}

template <class F>
bool try_handler(F& f, MailboxElement& e, ReplySink& sink) {
  using traits = callable_traits<F>;
  if (e.tag() != type_tag_of<typename traits::message_type>()) return false;
  using R = typename traits::result_type;
  if constexpr (std::is_void_v<R>) {
    call_with_payload(f, e);
  } else {
    sink.reply_with(
        make_element<std::decay_t<R>>(Pid{}, MessageKind::kReply, 0, call_with_payload(f, e)));
  }
  return true;
}

}  // namespace detail

class Behavior {
 public:
  // What a behavior does, for actors that need a behavior of their own making (coroutine actors).
  class Matcher {
   public:
    virtual ~Matcher() = default;
    virtual bool invoke(MailboxElement& e, ReplySink& sink) = 0;
    virtual std::optional<absl::Duration> timeout() const = 0;
    virtual void handle_timeout() = 0;
  };

  // A behavior that matches nothing.
  Behavior() = default;
  explicit Behavior(std::unique_ptr<Matcher> matcher) : impl_(std::move(matcher)) {}

  template <class... Handlers>
  requires(sizeof...(Handlers) > 0 &&
           !(sizeof...(Handlers) == 1 && (std::is_same_v<std::decay_t<Handlers>, Behavior> && ...)))
      Behavior(Handlers&&... handlers)  // NOLINT: implicit, so a lambda list reads as a behavior
      : impl_(std::make_unique<Impl<std::decay_t<Handlers>...>>(
            std::forward<Handlers>(handlers)...)) {}

  Behavior(Behavior&&) noexcept = default;
  Behavior& operator=(Behavior&&) noexcept = default;

  bool empty() const noexcept { return impl_ == nullptr; }

  // Runs the first handler matching e; false if none matches (e is left untouched).
  bool invoke(MailboxElement& e, ReplySink& sink) { return impl_ && impl_->invoke(e, sink); }

  // The after() clause's timeout, if there is one.
  std::optional<absl::Duration> timeout() const {
    if (impl_ == nullptr) return std::nullopt;
    return impl_->timeout();
  }
  // Runs the after() clause. Only valid when timeout() has a value.
  void handle_timeout() { impl_->handle_timeout(); }

 private:
  template <class... Handlers>
  class Impl final : public Matcher {
   public:
    template <class... Args>
    explicit Impl(Args&&... args) : handlers_(std::forward<Args>(args)...) {}

    bool invoke(MailboxElement& e, ReplySink& sink) override {
      return std::apply([&](auto&... h) { return (try_one(h, e, sink) || ...); }, handlers_);
    }

    std::optional<absl::Duration> timeout() const override {
      std::optional<absl::Duration> result;
      std::apply(
          [&](const auto&... h) {
            ((detail::is_timeout_clause<std::decay_t<decltype(h)>>::value
                  ? void(result = timeout_of(h))
                  : void()),
             ...);
          },
          handlers_);
      return result;
    }

    void handle_timeout() override {
      std::apply([](auto&... h) { (run_timeout(h), ...); }, handlers_);
    }

   private:
    static_assert((detail::is_timeout_clause<Handlers>::value + ... + 0) <= 1,
                  "a behavior has at most one after() clause");

    template <class H>
    static bool try_one(H& h, MailboxElement& e, ReplySink& sink) {
      if constexpr (detail::is_timeout_clause<H>::value) {
        return false;
      } else {
        return detail::try_handler(h, e, sink);
      }
    }
    template <class H>
    static absl::Duration timeout_of(const H& h) {
      if constexpr (detail::is_timeout_clause<H>::value) {
        return h.timeout;
      } else {
        return absl::InfiniteDuration();
      }
    }
    template <class H>
    static void run_timeout(H& h) {
      if constexpr (detail::is_timeout_clause<H>::value) h.handler();
    }

    std::tuple<Handlers...> handlers_;
  };

  std::unique_ptr<Matcher> impl_;
};

}  // namespace bossa
