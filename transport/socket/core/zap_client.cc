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

ZapClient::ZapClient(Context& context, boost::asio::io_context& io) : context_(context), io_(io) {}

ZapClient::~ZapClient() = default;

void ZapClient::request(ZapRequest request, std::function<void(zmtp::AuthReply)> done) {
  boost::asio::post(
      io_, [self = shared_from_this(), request = std::move(request),
            done = std::move(done)]() mutable { self->send(std::move(request), std::move(done)); });
}

void ZapClient::send(ZapRequest request, std::function<void(zmtp::AuthReply)> done) {
  if (!dealer_) {
    dealer_ = std::make_unique<Socket>(context_, SocketType::kDealer);
    (void)dealer_->set(Option::kLinger, 0);
    if (absl::Status s = dealer_->connect(kZapEndpoint); !s.ok()) {
      dealer_.reset();
      done(zmtp::AuthReply{false, "500", "ZAP handler unreachable", ""});
      return;
    }
    receive();
  }
  expire_pending();
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
    done(zmtp::AuthReply{false, "500", "ZAP handler busy", ""});
    return;
  }
  pending_.emplace(id, Pending{std::chrono::steady_clock::now(), std::move(done)});
}

void ZapClient::expire_pending() {
  const auto too_old = std::chrono::steady_clock::now() - kZapAnswerTimeout;
  while (!pending_.empty() &&
         (pending_.size() >= kMaxZapPending || pending_.begin()->second.asked < too_old)) {
    auto done = std::move(pending_.begin()->second.done);
    pending_.erase(pending_.begin());
    done(zmtp::AuthReply{false, "500", "the ZAP handler did not answer", ""});
  }
}

void ZapClient::receive() {
  dealer_->async_recv(
      boost::asio::bind_executor(io_, [self = shared_from_this()](absl::StatusOr<Message> m) {
        if (!m.ok() || !self->dealer_) return;  // stopped
        // "" version request-id status-code status-text user-id metadata
        if (m->size() >= 6 && (*m)[0].empty() && (*m)[1] == std::string_view("1.0")) {
          std::uint64_t id = 0;
          auto it = absl::SimpleAtoi(as_absl((*m)[2].view()), &id) ? self->pending_.find(id)
                                                                   : self->pending_.end();
          if (it != self->pending_.end()) {
            auto done = std::move(it->second.done);
            self->pending_.erase(it);
            const std::string code = (*m)[3].to_string();
            done(zmtp::AuthReply{code == "200", code, (*m)[4].to_string(), (*m)[5].to_string()});
          }
        } else {
          self->context_.log("bossa socket: a malformed ZAP reply was dropped");
        }
        self->receive();
      }));
}

void ZapClient::stop() {
  std::promise<void> stopped;
  boost::asio::post(io_, [this, &stopped] {
    dealer_.reset();
    pending_.clear();
    stopped.set_value();
  });
  stopped.get_future().wait();
}

}  // namespace bossa::socket
