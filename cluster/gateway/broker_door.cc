#include "cluster/gateway/broker_door.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "cluster/gateway/gateway_actor.h"
#include "cluster/node.h"

namespace bossa::gateway {
namespace {

transport::OutsideAnswer error_answer(transport::OutsideReturn to, const absl::Status& error) {
  return transport::OutsideAnswer{std::move(to), absl::StatusCodeToString(error.code()),
                                  "text/plain", std::string(error.message())};
}

}  // namespace

// What the door's actor shares with the door: the way to the clients and the counts.
struct BrokerDoor::Shared : GatewayCounters {
  explicit Shared(transport::Transport& transport) : transport(transport) {}

  transport::Transport& transport;
  std::atomic<int64_t> pending{0};

  // Hands `answer` to the transport; counted as dropped if it takes no more.
  void send(transport::OutsideAnswer answer) {
    if (!transport.answer_outside(std::move(answer)).ok()) {
      replies_dropped.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

BrokerDoor::BrokerDoor(Node& node, transport::Transport& transport, const NodeConfig& config)
    : node_(node),
      transport_(transport),
      config_(config.gateway),
      authorization_(config.authorization),
      shared_(std::make_shared<Shared>(transport)),
      lost_log_(node.log(), LogLevel::kWarning) {
  limits_.max_bytes = static_cast<size_t>(config_.max_message_size);
}

BrokerDoor::~BrokerDoor() {
  stop();
}

absl::Status BrokerDoor::start() {
  actor_ = spawn_gateway_actor(
      node_.runtime(), node_.types(), limits_,
      [shared = shared_](ReplyTo to, absl::StatusOr<content::Body> body) {
        shared->pending.fetch_sub(1, std::memory_order_relaxed);
        if (!body.ok()) {
          shared->count_failure(body.status());
          return shared->send(error_answer(std::move(to.queue), body.status()));
        }
        shared->replies.fetch_add(1, std::memory_order_relaxed);
        shared->send(transport::OutsideAnswer{
            std::move(to.queue), "OK", std::move(body->content_type), std::move(body->bytes)});
      });
  if (!actor_.valid()) return absl::UnavailableError("the node is shutting down");
  return absl::OkStatus();
}

void BrokerDoor::stop() {
  if (stopped_.exchange(true)) return;
  if (!actor_.valid()) return;
  node_.runtime().exit(actor_, ExitReason::shutdown());
  // Their answers go with the actor.
  if (const int64_t pending = shared_->pending.exchange(0); pending > 0) {
    shared_->replies_dropped.fetch_add(static_cast<uint64_t>(pending), std::memory_order_relaxed);
    node_.log().log(LogLevel::kWarning,
                    absl::StrCat(pending, " requests from AMQP clients outside the cluster were ",
                                 "unanswered when the node stopped"));
  }
}

GatewayStats BrokerDoor::stats() const {
  return shared_->read();
}

void BrokerDoor::answer_lost(std::string_view why) {
  shared_->replies_dropped.fetch_add(1, std::memory_order_relaxed);
  lost_log_.log(
      absl::StrCat("an answer to an AMQP client outside the cluster was lost: ", as_absl(why)));
}

void BrokerDoor::refuse(const transport::OutsideReturn& to, const absl::Status& why,
                        std::atomic<uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
  shared_->send(error_answer(to, why));
}

void BrokerDoor::handle(transport::OutsideRequest request) {
  const transport::OutsideReturn& to = request.to;
  const std::string& name = request.target;
  if (stopped_.load() || !actor_.valid()) {
    return refuse(to, absl::UnavailableError("the node is stopping"), shared_->failed);
  }
  if (!authorization_.empty()) {
    if (request.user.empty()) {
      return refuse(to,
                    absl::PermissionDeniedError(
                        "this node answers only requests whose user_id the broker validated: set "
                        "user_id to the broker user you log in as"),
                    shared_->refused);
    }
    if (const Authorization::Rights* rights = authorization_.rights(request.user);
        rights != nullptr && !rights->allows(Action::kRequest, name)) {
      return refuse(to,
                    absl::PermissionDeniedError(
                        absl::StrCat("broker user '", request.user, "' may not call '", name, "'")),
                    shared_->refused);
    }
  }
  const std::optional<Pid> pid = node_.whereis_global(name);
  if (!pid.has_value()) {
    return refuse(
        to, absl::NotFoundError(absl::StrCat("no actor is registered as global name '", name, "'")),
        shared_->unknown_targets);
  }
  if (shared_->pending.fetch_add(1, std::memory_order_relaxed) >= config_.max_pending) {
    shared_->pending.fetch_sub(1, std::memory_order_relaxed);
    return refuse(to,
                  absl::ResourceExhaustedError(absl::StrCat("the node has ", config_.max_pending,
                                                            " requests from outside in flight")),
                  shared_->overloaded);
  }
  absl::StatusOr<ElementPtr> element =
      request_from_body(node_.types(), request.content_type, request.body, actor_, limits_);
  if (!element.ok()) {
    shared_->pending.fetch_sub(1, std::memory_order_relaxed);
    return refuse(to, element.status(), shared_->bad_requests);
  }
  const absl::Duration timeout = request.timeout == absl::InfiniteDuration()
                                     ? config_.timeout
                                     : std::min(request.timeout, config_.max_timeout);
  shared_->requests.fetch_add(1, std::memory_order_relaxed);
  transport::OutsideReturn back = to;  // for a call that cannot be made
  absl::Status sent = node_.runtime().deliver(
      actor_, make_element<Call>(
                  Pid{}, MessageKind::kUser, 0,
                  Call{*pid, timeout, *std::move(element),
                       ReplyTo{{}, std::move(request.to), std::move(request.content_type)}}));
  if (!sent.ok()) {
    // The actor is gone (the node is stopping): the call went with it.
    shared_->pending.fetch_sub(1, std::memory_order_relaxed);
    refuse(back, absl::UnavailableError("the node is stopping"), shared_->failed);
  }
}

}  // namespace bossa::gateway
