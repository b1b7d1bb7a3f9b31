#include "runtime/behaviours/server.h"

#include "base/demangle.h"

namespace bossa {
namespace {

// Answers the request `e` with an error, through the actor that handles it.
void fail_request(MailboxElement& e, ReplySink& sink, absl::Status status) {
  if (e.kind != MessageKind::kRequest) return;
  sink.reply_with(
      make_element<ErrorReply>(Pid{}, MessageKind::kReply, 0, ErrorReply{std::move(status)}));
}

class ServerMatcher final : public Behavior::Matcher {
 public:
  ServerMatcher(Server& server, ServerSpec& spec, std::shared_ptr<void> keep_alive)
      : server_(server), spec_(spec), keep_alive_(std::move(keep_alive)) {}

  bool invoke(MailboxElement& e, ReplySink& sink) override {
    guarded([&] { dispatch(e, sink); });
    return true;
  }

  std::optional<absl::Duration> timeout() const override { return spec_.infos.timeout(); }

  void handle_timeout() override {
    guarded([&] { spec_.infos.handle_timeout(); });
  }

 private:
  void dispatch(MailboxElement& e, ReplySink& sink) {
    if (e.kind == MessageKind::kRequest) {
      if (!spec_.calls.invoke(e, sink)) {
        fail_request(e, sink,
                     absl::InvalidArgumentError(absl::StrCat("server ", server_.pid().to_string(),
                                                             " has no call handler for ",
                                                             demangled_name(e.type()))));
      } else if (e.kind == MessageKind::kRequest) {
        fail_request(e, sink,
                     absl::FailedPreconditionError(absl::StrCat(
                         "server ", server_.pid().to_string(), ": the call handler for ",
                         demangled_name(e.type()), " neither replied nor deferred its reply")));
      }
      return;
    }
    if (const ExitMsg* exit = e.get_if<ExitMsg>();
        exit != nullptr && (exit->from == server_.parent() || !exit->from.valid())) {
      server_.stop(exit->reason);
      return;
    }
    if (spec_.casts.invoke(e, sink) || spec_.infos.invoke(e, sink)) return;
    if (spec_.unexpected) spec_.unexpected(e.from, e.type());
  }

  // Runs handler code; on a stop it asked for, or on an exception, runs terminate and stops.
  template <class F>
  void guarded(F&& handler_code) {
    try {
      handler_code();
    } catch (...) {
      ExitReason reason = exit_reason_of_current_exception();
      if (spec_.terminate) spec_.terminate(reason);
      throw;
    }
    if (const std::optional<ExitReason>& stop = server_.stop_requested()) {
      if (spec_.terminate) spec_.terminate(*stop);
      server_.actor().exit(*stop);
    }
  }

  Server& server_;
  ServerSpec& spec_;
  std::shared_ptr<void> keep_alive_;
};

}  // namespace

namespace detail {

Behavior server_behavior(Server& server, ServerSpec& spec, std::shared_ptr<void> keep_alive) {
  server.actor().trap_exit(spec.trap_exit);
  return Behavior(std::unique_ptr<Behavior::Matcher>(
      std::make_unique<ServerMatcher>(server, spec, std::move(keep_alive))));
}

}  // namespace detail
}  // namespace bossa
