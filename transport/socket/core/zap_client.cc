#include "transport/socket/core/zap_client.h"

#include <future>
#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "transport/socket/core/socket.h"

namespace bossa::socket {

namespace {

zmtp::AuthReply refused(std::string text) {
  return zmtp::AuthReply{false, "500", std::move(text), ""};
}

}  // namespace

ZapClient::ZapClient(Context& context, boost::asio::io_context& io, ZapLimits limits)
    : context_(context), io_(io), limits_(limits), expiry_(io) {}

ZapClient::~ZapClient() = default;

bool ZapClient::stopped() const {
  MutexLock lock(mu_);
  return stopped_;
}

void ZapClient::request(ZapRequest request, std::function<void(zmtp::AuthReply)> done) {
  if (stopped()) {
    done(refused("the context is shutting down"));
    return;
  }
  boost::asio::post(
      io_, [self = shared_from_this(), request = std::move(request),
            done = std::move(done)]() mutable { self->send(std::move(request), std::move(done)); });
}

void ZapClient::send(ZapRequest request, std::function<void(zmtp::AuthReply)> done) {
  if (stopped()) {
    done(refused("the context is shutting down"));
    return;
  }
  if (!dealer_) {
    dealer_ = std::make_unique<Socket>(context_, SocketType::kDealer);
    (void)dealer_->set(Option::kLinger, 0);
    if (absl::Status s = dealer_->connect(kZapEndpoint); !s.ok()) {
      dealer_.reset();
      done(refused("ZAP handler unreachable"));
      return;
    }
    receive();
  }
  make_room(request.address);
  const std::uint64_t id = next_id_++;
  Message m{"",
            "1.0",
            absl::StrCat(id),
            request.domain,
            request.address,
            request.routing_id,
            request.auth.mechanism};
  for (const std::string& c : request.auth.credentials) m.push_back(c);
  if (!dealer_->send(std::move(m), Flags::kDontwait).ok()) {
    done(refused("ZAP handler busy"));
    return;
  }
  by_address_[request.address].insert(id);
  pending_.emplace(
      id, Pending{std::chrono::steady_clock::now(), std::move(request.address), std::move(done)});
  arm_expiry();
}

std::function<void(zmtp::AuthReply)> ZapClient::take(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return nullptr;
  auto done = std::move(it->second.done);
  auto a = by_address_.find(it->second.address);
  a->second.erase(id);
  if (a->second.empty()) by_address_.erase(a);
  pending_.erase(it);
  return done;
}

void ZapClient::make_room(const std::string& address) {
  auto own = by_address_.find(address);
  std::uint64_t victim = 0;
  if (own != by_address_.end() && own->second.size() >= limits_.max_per_address) {
    victim = *own->second.begin();
  } else if (pending_.size() >= limits_.max_pending) {
    auto most = by_address_.begin();
    for (auto it = by_address_.begin(); it != by_address_.end(); ++it) {
      if (it->second.size() > most->second.size()) most = it;
    }
    if (most == by_address_.end()) return;
    victim = *most->second.begin();
  } else {
    return;
  }
  if (auto done = take(victim)) done(refused("too many ZAP requests waiting"));
}

void ZapClient::expire_pending() {
  const auto too_old = std::chrono::steady_clock::now() - limits_.answer_timeout;
  while (!pending_.empty() && pending_.begin()->second.asked <= too_old) {
    if (auto done = take(pending_.begin()->first)) done(refused("the ZAP handler did not answer"));
  }
}

void ZapClient::arm_expiry() {
  if (expiry_armed_ || pending_.empty()) return;
  expiry_armed_ = true;
  expiry_.expires_at(pending_.begin()->second.asked + limits_.answer_timeout);
  expiry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->expiry_armed_ = false;
    if (ec || !self->dealer_) return;  // stopped
    self->expire_pending();
    self->arm_expiry();
  });
}

void ZapClient::receive() {
  dealer_->async_recv(
      boost::asio::bind_executor(io_, [self = shared_from_this()](absl::StatusOr<Message> m) {
        if (!m.ok() || !self->dealer_) return;  // stopped
        self->on_reply(*m);
        self->receive();
      }));
}

void ZapClient::on_reply(const Message& m) {
  // "" version request-id status-code status-text user-id [metadata]
  std::uint64_t id = 0;
  const bool shaped = (m.size() == 6 || m.size() == 7) && m[0].empty() &&
                      m[1] == std::string_view("1.0") &&
                      absl::SimpleAtoi(as_absl(m[2].view()), &id);
  const std::string code = shaped ? m[3].to_string() : std::string();
  if (code != "200" && code != "300" && code != "400" && code != "500") {
    context_.log("bossa socket: a malformed ZAP reply was dropped");
    return;
  }
  auto done = take(id);
  if (!done) {
    context_.log(absl::StrCat("bossa socket: a ZAP reply to request ", id,
                              ", which is not waiting, was dropped"));
    return;
  }
  done(zmtp::AuthReply{code == "200", code, m[4].to_string(), m[5].to_string()});
}

void ZapClient::stop() {
  {
    MutexLock lock(mu_);
    stopped_ = true;
  }
  std::promise<void> stopped;
  boost::asio::post(io_, [this, &stopped] {
    expiry_.cancel();
    dealer_.reset();
    pending_.clear();
    by_address_.clear();
    stopped.set_value();
  });
  stopped.get_future().wait();
}

}  // namespace bossa::socket
