// EventHandler: one handler of an event manager, a set of typed callbacks for the events it cares
// about (gen_event's callback module).
//
//   EventHandler logger{[lines](const Sold& s) { lines->push_back(s.item); },
//                       [lines](const Closed&) { lines->push_back("closed"); }};
//   logger.on_terminate([](const ExitReason& why) { /* deleted, crashed, or manager stopped */ });
//
// Each callback takes its event by const reference or by value (a copy): an event is shown to
// every handler of the manager in turn, so no handler may take it over. The first callback whose
// type matches runs; events of other types pass the handler by. A callback that throws crashes
// the handler (the manager removes it; see event_manager.h). A handler's state lives in its
// callbacks' captures; the manager owns the handler and runs it on the manager's actor only.
#pragma once

#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "runtime/callable_traits.h"
#include "runtime/exit_reason.h"
#include "runtime/mailbox_element.h"

namespace bossa {

class EventHandler {
 public:
  EventHandler() = default;
  template <class... Callbacks>
  requires(sizeof...(Callbacks) > 0 &&
           !(sizeof...(Callbacks) == 1 && (std::is_same_v<std::decay_t<Callbacks>, EventHandler> &&
                                           ...))) explicit EventHandler(Callbacks&&... callbacks)
      : impl_(std::make_unique<Impl<std::decay_t<Callbacks>...>>(
            std::forward<Callbacks>(callbacks)...)) {}
  EventHandler(EventHandler&&) noexcept = default;
  EventHandler& operator=(EventHandler&&) noexcept = default;

  // Runs when the handler leaves its manager, with the reason: normal when deleted, the error
  // when it crashed.
  EventHandler& on_terminate(std::function<void(const ExitReason&)> f) & {
    terminate_ = std::move(f);
    return *this;
  }
  EventHandler&& on_terminate(std::function<void(const ExitReason&)> f) && {
    terminate_ = std::move(f);
    return std::move(*this);
  }

  // Runs the first callback whose type matches `event`; false if none does.
  bool handle(MailboxElement& event) { return impl_ && impl_->handle(event); }
  void terminate(const ExitReason& reason) {
    if (terminate_) terminate_(reason);
  }

 private:
  class Base {
   public:
    virtual ~Base() = default;
    virtual bool handle(MailboxElement& event) = 0;
  };

  template <class... Callbacks>
  class Impl final : public Base {
   public:
    template <class... Args>
    explicit Impl(Args&&... args) : callbacks_(std::forward<Args>(args)...) {}
    bool handle(MailboxElement& event) override {
      return std::apply([&](auto&... c) { return (try_one(c, event) || ...); }, callbacks_);
    }

   private:
    template <class C>
    static bool try_one(C& callback, MailboxElement& event) {
      using traits = callable_traits<C>;
      static_assert(traits::arity == 1, "an event callback takes one event");
      using Arg = std::tuple_element_t<0, typename traits::args>;
      static_assert(!std::is_reference_v<Arg> || std::is_const_v<std::remove_reference_t<Arg>>,
                    "an event callback takes its event by const reference or by value");
      using Event = typename traits::message_type;
      if (event.tag() != type_tag_of<Event>()) return false;
      callback(*static_cast<const Event*>(event.payload()));  // const: every handler sees it
      return true;
    }
    std::tuple<Callbacks...> callbacks_;
  };

  std::unique_ptr<Base> impl_;
  std::function<void(const ExitReason&)> terminate_;
};

}  // namespace bossa
