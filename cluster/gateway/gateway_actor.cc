#include "cluster/gateway/gateway_actor.h"

#include <memory>
#include <utility>

#include "runtime/evented_actor.h"

namespace bossa::gateway {

Pid spawn_gateway_actor(Runtime& runtime, Answer answer) {
  SpawnOptions options;
  options.mailbox = MailboxLimit::unbounded();
  auto shared = std::make_shared<const Answer>(std::move(answer));
  return runtime.spawn(
      [shared](EventedActor& self) -> Behavior {
        return {[&self, shared](Call& call) {
          auto to = std::make_shared<ReplyTo>(std::move(call.reply_to));
          self.start_request(call.target, call.timeout, std::move(call.request))
              .then_any(
                  [shared, to](MailboxElement& reply) {
                    (*shared)(std::move(*to), &reply, absl::OkStatus());
                  },
                  [shared, to](absl::Status error) {
                    (*shared)(std::move(*to), nullptr, std::move(error));
                  });
        }};
      },
      options);
}

}  // namespace bossa::gateway
