#include "cluster/gateway/gateway_actor.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/evented_actor.h"

namespace bossa::gateway {

Pid spawn_gateway_actor(Runtime& runtime, const WireTypes& types, const DecodeLimits& limits,
                        Answer answer) {
  SpawnOptions options;
  options.mailbox = MailboxLimit::unbounded();
  auto shared = std::make_shared<const Answer>(std::move(answer));
  return runtime.spawn(
      [shared, &types, limits](EventedActor& self) -> Behavior {
        return {[&self, shared, &types, limits](Call& call) {
          auto to = std::make_shared<ReplyTo>(std::move(call.reply_to));
          self.start_request(call.target, call.timeout, std::move(call.request))
              .then_any(
                  [shared, to, &types, limits](MailboxElement& reply) {
                    absl::StatusOr<content::Body> body =
                        body_of_reply(types, reply, to->content_type, limits);
                    (*shared)(std::move(*to), std::move(body));
                  },
                  [shared, to](absl::Status error) {
                    (*shared)(std::move(*to), std::move(error));
                  });
        }};
      },
      options);
}

absl::StatusOr<ElementPtr> request_from_body(const WireTypes& types, std::string_view content_type,
                                             std::string_view body, Pid from,
                                             const DecodeLimits& limits) {
  absl::StatusOr<WirePayload> payload =
      content::payload_from_body(types.codecs(), content_type, body, limits);
  if (!payload.ok()) return payload.status();
  return types.decode(payload->type_id, payload->bytes, from, MessageKind::kRequest, 0,
                      DecodeLimits{});
}

absl::StatusOr<content::Body> body_of_reply(const WireTypes& types, const MailboxElement& reply,
                                            std::string_view request_content_type,
                                            const DecodeLimits& limits) {
  absl::StatusOr<WirePayload> payload = types.encode(reply);
  absl::StatusOr<content::Body> body =
      payload.ok()
          ? content::body_from_payload(types.codecs(), *payload, request_content_type, limits)
          : absl::StatusOr<content::Body>(payload.status());
  if (body.ok()) return body;
  return absl::InternalError(
      absl::StrCat("the actor's reply has no form for the client: ", body.status().message()));
}

}  // namespace bossa::gateway
