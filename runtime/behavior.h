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

#include <cstddef>
#include <memory>
#include <new>
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
  explicit Behavior(std::unique_ptr<Matcher> matcher) {
    if (matcher != nullptr) emplace<Custom>(Custom{std::move(matcher)});
  }

  template <class... Handlers>
  requires(sizeof...(Handlers) > 0 &&
           !(sizeof...(Handlers) == 1 && (std::is_same_v<std::decay_t<Handlers>, Behavior> && ...)))
      Behavior(Handlers&&... handlers) {  // NOLINT: implicit, so a lambda list reads as a behavior
    emplace<HandlerSet<std::decay_t<Handlers>...>>(std::forward<Handlers>(handlers)...);
  }

  Behavior(Behavior&& other) noexcept : ops_(std::exchange(other.ops_, nullptr)) {
    if (ops_ != nullptr) ops_->relocate(storage_, other.storage_);
  }
  Behavior& operator=(Behavior&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = std::exchange(other.ops_, nullptr);
      if (ops_ != nullptr) ops_->relocate(storage_, other.storage_);
    }
    return *this;
  }
  ~Behavior() { reset(); }

  bool empty() const noexcept { return ops_ == nullptr; }

  // Runs the first handler matching e; false if none matches (e is left untouched).
  bool invoke(MailboxElement& e, ReplySink& sink) {
    return ops_ != nullptr && ops_->invoke(storage_, e, sink);
  }

  // The after() clause's timeout, if there is one.
  std::optional<absl::Duration> timeout() const {
    if (ops_ == nullptr) return std::nullopt;
    return ops_->timeout(storage_);
  }
  // Runs the after() clause. Only valid when timeout() has a value.
  void handle_timeout() { ops_->handle_timeout(storage_); }

 private:
  // The handlers live in the behavior itself when they fit in a pointer's room (no captures, or
  // one pointer's worth): most actors' behaviors cost no allocation of their own.
  static constexpr size_t kInlineSize = sizeof(void*);

  // What is done with the handlers, per handler set type: a table of functions (a vtable of the
  // behavior's own, so that the handlers need no room for one).
  struct Ops {
    bool (*invoke)(void* storage, MailboxElement& e, ReplySink& sink);
    std::optional<absl::Duration> (*timeout)(const void* storage);
    void (*handle_timeout)(void* storage);
    void (*relocate)(void* to, void* from) noexcept;  // moves the handlers, ends the source's
    void (*destroy)(void* storage) noexcept;
  };

  template <class T>
  static constexpr bool kInline =
      sizeof(T) <= kInlineSize &&
      alignof(T) <= alignof(void*) && std::is_nothrow_move_constructible_v<T>;

  // The T in `storage`: in place, or on the heap at the address kept there.
  template <class T>
  static T& object(void* storage) noexcept {
    if constexpr (kInline<T>) {
      return *std::launder(static_cast<T*>(storage));
    } else {
      return **static_cast<T**>(storage);
    }
  }
  template <class T>
  static const T& object(const void* storage) noexcept {
    return object<T>(const_cast<void*>(storage));
  }

  template <class T>
  struct OpsOf {
    static bool invoke(void* storage, MailboxElement& e, ReplySink& sink) {
      return object<T>(storage).invoke(e, sink);
    }
    static std::optional<absl::Duration> timeout(const void* storage) {
      return object<T>(storage).timeout();
    }
    static void handle_timeout(void* storage) { object<T>(storage).handle_timeout(); }
    static void relocate(void* to, void* from) noexcept {
      if constexpr (kInline<T>) {
        T& source = object<T>(from);
        ::new (to) T(std::move(source));
        source.~T();
      } else {
        ::new (to) T*(*static_cast<T**>(from));
      }
    }
    static void destroy(void* storage) noexcept {
      if constexpr (kInline<T>) {
        object<T>(storage).~T();
      } else {
        delete *static_cast<T**>(storage);
      }
    }
    static constexpr Ops kOps{&invoke, &timeout, &handle_timeout, &relocate, &destroy};
  };

  template <class T, class... Args>
  void emplace(Args&&... args) {
    if constexpr (kInline<T>) {
      ::new (static_cast<void*>(storage_)) T(std::forward<Args>(args)...);
    } else {
      ::new (static_cast<void*>(storage_)) T*(new T(std::forward<Args>(args)...));
    }
    ops_ = &OpsOf<T>::kOps;
  }

  void reset() noexcept {
    if (ops_ != nullptr) std::exchange(ops_, nullptr)->destroy(storage_);
  }

  // A Matcher of the caller's making.
  struct Custom {
    std::unique_ptr<Matcher> matcher;
    bool invoke(MailboxElement& e, ReplySink& sink) { return matcher->invoke(e, sink); }
    std::optional<absl::Duration> timeout() const { return matcher->timeout(); }
    void handle_timeout() { matcher->handle_timeout(); }
  };

  template <class... Handlers>
  class HandlerSet {
   public:
    template <class... Args>
    explicit HandlerSet(Args&&... args) : handlers_(std::forward<Args>(args)...) {}

    bool invoke(MailboxElement& e, ReplySink& sink) {
      return std::apply([&](auto&... h) { return (try_one(h, e, sink) || ...); }, handlers_);
    }

    std::optional<absl::Duration> timeout() const {
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

    void handle_timeout() {
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

  const Ops* ops_ = nullptr;
  alignas(void*) std::byte storage_[kInlineSize];
};

}  // namespace bossa
