#include "runtime/behaviours/event_manager.h"

#include <algorithm>
#include <deque>
#include <memory>

#include "absl/strings/str_cat.h"

namespace bossa {
namespace {

class EventManager final : public Behavior::Matcher {
 public:
  explicit EventManager(EventedActor& self) : self_(self) {}

  bool invoke(MailboxElement& e, ReplySink& sink) override {
    if (AddHandler* request = e.get_if<AddHandler>()) {
      reply(sink, add(*request));
    } else if (const DeleteHandler* del = e.get_if<DeleteHandler>()) {
      reply(sink, remove(del->id));
    } else if (e.is<WhichHandlers>()) {
      std::vector<std::string> ids;
      for (const Entry& entry : handlers_) ids.push_back(entry.id);
      sink.reply_with(
          make_element<std::vector<std::string>>(Pid{}, MessageKind::kReply, 0, std::move(ids)));
    } else {
      dispatch(e);
      reply(sink, absl::OkStatus());  // sync_notify: every handler has run
    }
    return true;
  }
  std::optional<absl::Duration> timeout() const override { return std::nullopt; }
  void handle_timeout() override {}

 private:
  struct Entry {
    std::string id;
    EventHandler handler;
    Pid report_to;
  };

  // Answers a request (and nothing else) with Ack or the error.
  static void reply(ReplySink& sink, absl::Status status) {
    if (status.ok()) {
      sink.reply_with(make_element<Ack>(Pid{}, MessageKind::kReply, 0));
    } else {
      sink.reply_with(
          make_element<ErrorReply>(Pid{}, MessageKind::kReply, 0, ErrorReply{std::move(status)}));
    }
  }

  absl::Status add(AddHandler& request) {
    if (find(request.id) != handlers_.end()) {
      return absl::AlreadyExistsError(absl::StrCat("event manager ", self_.pid().to_string(),
                                                   " already has a handler \"", request.id, "\""));
    }
    handlers_.push_back(
        Entry{std::move(request.id), std::move(request.handler), request.report_to});
    return absl::OkStatus();
  }

  absl::Status remove(const std::string& id) {
    auto it = find(id);
    if (it == handlers_.end()) {
      return absl::NotFoundError(
          absl::StrCat("event manager ", self_.pid().to_string(), " has no handler \"", id, "\""));
    }
    Entry entry = std::move(*it);
    handlers_.erase(it);
    try {
      entry.handler.terminate(ExitReason::normal());
    } catch (...) {
      // The handler is gone either way; a failing terminate changes nothing for the manager.
    }
    return absl::OkStatus();
  }

  std::vector<Entry>::iterator find(const std::string& id) {
    return std::find_if(handlers_.begin(), handlers_.end(),
                        [&id](const Entry& entry) { return entry.id == id; });
  }

  // Shows the event to every handler; crash reports go round after it, as events of their own.
  void dispatch(MailboxElement& event) {
    std::deque<ElementPtr> crashes;
    run_handlers(event, crashes);
    while (!crashes.empty()) {
      ElementPtr crash = std::move(crashes.front());
      crashes.pop_front();
      run_handlers(*crash, crashes);
    }
  }

  void run_handlers(MailboxElement& event, std::deque<ElementPtr>& crashes) {
    for (size_t i = 0; i < handlers_.size();) {
      try {
        handlers_[i].handler.handle(event);
        ++i;
      } catch (...) {
        crashes.push_back(crashed(i, exit_reason_of_current_exception()));
      }
    }
  }

  // Removes handler i, which threw; returns the HandlerCrashed event for the others.
  ElementPtr crashed(size_t i, const ExitReason& reason) {
    Entry entry = std::move(handlers_[i]);
    handlers_.erase(handlers_.begin() + static_cast<std::ptrdiff_t>(i));
    try {
      entry.handler.terminate(reason);
    } catch (...) {
      // Already crashed and removed: nothing more to do.
    }
    HandlerCrashed report{self_.pid(), entry.id, reason};
    if (entry.report_to.valid()) self_.send(entry.report_to, report);
    return make_element<HandlerCrashed>(self_.pid(), MessageKind::kUser, 0, std::move(report));
  }

  EventedActor& self_;
  std::vector<Entry> handlers_;  // in the order they were added
};

}  // namespace

absl::StatusOr<Pid> spawn_event_manager(Runtime& runtime, SpawnOptions options) {
  const Pid pid = runtime.spawn(
      [](EventedActor& self) {
        return Behavior(std::unique_ptr<Behavior::Matcher>(std::make_unique<EventManager>(self)));
      },
      options);
  if (!pid.valid()) {
    return absl::UnavailableError("spawn_event_manager: the runtime is shutting down");
  }
  return pid;
}

}  // namespace bossa
