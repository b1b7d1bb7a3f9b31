#include "cluster/gateway/gateway.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "base/string_view_bridge.h"
#include "cluster/gateway/gateway_actor.h"
#include "cluster/gateway/gateway_frames.h"
#include "cluster/node.h"
#include "serialization/content/body.h"
#include "transport/node_keys.h"
#include "transport/socket/core/authenticator.h"

namespace bossa::gateway {
namespace {

constexpr char kZapDomain[] = "gateway";

}  // namespace

// What the gateway's actor shares with the I/O thread: the way back to the socket and the counts.
struct Gateway::Shared : GatewayCounters {
  Mutex mutex;
  boost::asio::io_context* io ABSL_GUARDED_BY(mutex) = nullptr;  // null once stopped
  Gateway* gateway ABSL_GUARDED_BY(mutex) = nullptr;
  std::atomic<int64_t> pending{0};

  // Hands `reply` to the I/O thread; dropped and counted once the gateway has stopped.
  void post(socket::Message reply) {
    MutexLock lock(mutex);
    if (io == nullptr) {
      replies_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    boost::asio::post(*io, [gateway = gateway, reply = std::move(reply)]() mutable {
      gateway->send(std::move(reply));
    });
  }
};

Gateway::Gateway(Node& node, const NodeConfig& config)
    : node_(node),
      config_(config.gateway),
      authorization_(config.authorization),
      shared_(std::make_shared<Shared>()),
      context_(1),
      work_(io_.get_executor()) {
  limits_.max_bytes = static_cast<size_t>(config_.max_message_size);
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::start(Node& node, const NodeConfig& config) {
  std::unique_ptr<Gateway> gateway(new Gateway(node, config));
  if (absl::Status opened = gateway->open(config); !opened.ok()) {
    gateway->stop();
    return absl::Status(opened.code(),
                        absl::StrCat("gateway at ", config.gateway.listen, ": ", opened.message()));
  }
  return gateway;
}

absl::Status Gateway::open(const NodeConfig& config) {
  socket_ = std::make_unique<socket::Socket>(context_, socket::SocketType::kRouter);
  using socket::Option;
  for (absl::Status status : {socket_->set(Option::kRouterMandatory, 1),
                              socket_->set(Option::kMaxmsgsize, config_.max_message_size),
                              socket_->set(Option::kLinger, 0)}) {
    if (!status.ok()) return status;
  }
  if (config_.security == transport::Security::kCurve) {
    absl::flat_hash_set<std::string> clients(config_.client_keys.begin(),
                                             config_.client_keys.end());
    for (const AuthorizationGroup& group : config.authorization) {
      clients.insert(group.keys.begin(), group.keys.end());
    }
    auto authenticator = std::make_shared<socket::Authenticator>();
    authenticator->set_curve_keys(kZapDomain, std::move(clients));
    context_.set_authenticator(std::move(authenticator));
    for (absl::Status status :
         {socket_->set(Option::kZapDomain, kZapDomain), socket_->set(Option::kCurveServer, 1),
          socket_->set(Option::kCurveSecretkey, config.transport.secret_key)}) {
      if (!status.ok()) return status;
    }
  }
  if (absl::Status bound = socket_->bind(config_.listen); !bound.ok()) return bound;
  endpoint_ = socket_->last_endpoint();

  actor_ = spawn_gateway_actor(
      node_.runtime(), node_.types(), limits_,
      [shared = shared_](ReplyTo to, absl::StatusOr<content::Body> body) {
        shared->pending.fetch_sub(1, std::memory_order_relaxed);
        if (!body.ok()) {
          shared->count_failure(body.status());
          return shared->post(make_error_reply(std::move(to.route), body.status()));
        }
        shared->replies.fetch_add(1, std::memory_order_relaxed);
        shared->post(make_reply(std::move(to.route), absl::StatusCode::kOk, body->content_type,
                                body->bytes));
      });
  if (!actor_.valid()) return absl::UnavailableError("the node is shutting down");
  {
    MutexLock lock(shared_->mutex);
    shared_->io = &io_;
    shared_->gateway = this;
  }
  thread_ = std::thread([this] {
    receive();
    io_.run();
  });
  if (config_.security == transport::Security::kNone) {
    node_.log().log(
        LogLevel::kWarning,
        absl::StrCat("gateway at ", endpoint_, " admits anyone: gateway.security = \"none\""));
  } else {
    node_.log().log(LogLevel::kInfo, absl::StrCat("gateway at ", endpoint_));
  }
  return absl::OkStatus();
}

Gateway::~Gateway() {
  stop();
}

void Gateway::stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    MutexLock lock(shared_->mutex);
    shared_->io = nullptr;
    shared_->gateway = nullptr;
  }
  io_.stop();
  if (thread_.joinable()) thread_.join();
  if (socket_ != nullptr) socket_->close();
  if (actor_.valid()) node_.runtime().exit(actor_, ExitReason::shutdown());
}

GatewayStats Gateway::stats() const {
  return shared_->read();
}

void Gateway::receive() {
  socket_->async_recv(
      boost::asio::bind_executor(io_, [this](absl::StatusOr<socket::Message> message) {
        if (message.ok()) {
          handle(*std::move(message));
        } else if (message.status().code() == absl::StatusCode::kCancelled ||
                   message.status().code() == absl::StatusCode::kFailedPrecondition) {
          return;  // the socket is closing or closed
        }
        receive();
      }));
}

void Gateway::send(socket::Message reply) {
  if (!socket_->send(std::move(reply), socket::Flags::kDontwait).ok()) {
    shared_->replies_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void Gateway::refuse(socket::Message route, const absl::Status& why,
                     std::atomic<uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
  send(make_error_reply(std::move(route), why));
}

std::string Gateway::client_key(const socket::Message& message) {
  if (config_.security != transport::Security::kCurve) return {};
  absl::StatusOr<std::string> user = socket_->message_property(message, "User-Id");
  if (!user.ok()) return {};
  absl::StatusOr<std::string> key = transport::decode_z85_key(*user);
  return key.ok() ? *std::move(key) : std::string();
}

void Gateway::handle(socket::Message message) {
  std::string key = client_key(message);
  Parsed parsed = parse_request(std::move(message));
  Request& request = parsed.request;
  if (!parsed.status.ok())
    return refuse(std::move(request.route), parsed.status, shared_->bad_requests);
  if (config_.security == transport::Security::kCurve && key.empty()) {
    return refuse(std::move(request.route),
                  absl::PermissionDeniedError("the client's key is unknown"), shared_->refused);
  }
  const std::string_view target = request.target.view();
  // A target written as a pid is one; anything else is a global name.
  const std::optional<Pid> by_pid = Pid::parse(target);
  const std::string_view name = by_pid.has_value() ? std::string_view() : target;
  if (const Authorization::Rights* rights = authorization_.rights(key);
      rights != nullptr && !rights->allows(Action::kRequest, name)) {
    return refuse(std::move(request.route),
                  absl::PermissionDeniedError(
                      absl::StrCat("this client may not call '", as_absl(target), "'")),
                  shared_->refused);
  }
  const std::optional<Pid> pid = by_pid.has_value() ? by_pid : node_.whereis_global(name);
  if (!pid.has_value()) {
    return refuse(std::move(request.route),
                  absl::NotFoundError(absl::StrCat("no actor is registered as global name '",
                                                   as_absl(target), "'")),
                  shared_->unknown_targets);
  }
  absl::StatusOr<ElementPtr> element = request_from_body(node_.types(), request.content_type.view(),
                                                         request.body.view(), actor_, limits_);
  if (!element.ok())
    return refuse(std::move(request.route), element.status(), shared_->bad_requests);
  if (shared_->pending.fetch_add(1, std::memory_order_relaxed) >= config_.max_pending) {
    shared_->pending.fetch_sub(1, std::memory_order_relaxed);
    return refuse(std::move(request.route),
                  absl::ResourceExhaustedError(
                      absl::StrCat("the gateway has ", config_.max_pending, " requests in flight")),
                  shared_->overloaded);
  }
  const absl::Duration timeout = request.timeout == absl::InfiniteDuration()
                                     ? config_.timeout
                                     : std::min(request.timeout, config_.max_timeout);
  shared_->requests.fetch_add(1, std::memory_order_relaxed);
  absl::Status sent = node_.runtime().deliver(
      actor_,
      make_element<Call>(
          Pid{}, MessageKind::kUser, 0,
          Call{*pid, timeout, *std::move(element),
               ReplyTo{std::move(request.route), {}, std::string(request.content_type.view())}}));
  if (!sent.ok()) {
    // The actor is gone (the node is stopping): the call and its route went with it.
    shared_->pending.fetch_sub(1, std::memory_order_relaxed);
    shared_->failed.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace bossa::gateway
