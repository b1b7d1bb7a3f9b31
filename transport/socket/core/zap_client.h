// ZapClient: a Context's side of RFC 27 (ZAP), asking a handler bound at inproc://zeromq.zap.01.
//
// Requests go out on one DEALER socket that lives on one of the context's I/O threads; every
// socket operation runs there. Request: "" "1.0" request-id domain address identity mechanism
// credentials...; reply: "" "1.0" request-id status-code status-text user-id metadata. A reply
// with status 200 allows the client; 300, 400 or 500 refuses it with its status text; a reply
// with another status, or not of that shape, is logged and dropped. A request the handler leaves
// unanswered for ZapLimits::answer_timeout is refused as unanswered (a timer runs while requests
// wait). At most max_pending wait at once and at most max_per_address from one client address:
// past either, the oldest request of that address, or of the address with the most waiting, is
// refused ("too many ZAP requests waiting"), so that one address cannot push out the others'.
// Thread-safety: request() from any thread; stop() once, from the Context's destructor, not from
// an I/O thread; a request after stop() is refused. Lifetime: shared_ptr, kept alive by its
// pending operations.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "base/mutex.h"
#include "transport/socket/core/authenticator.h"
#include "transport/socket/core/message.h"

namespace bossa::socket {

class Context;
class Socket;

inline constexpr std::string_view kZapEndpoint = "inproc://zeromq.zap.01";

struct ZapLimits {
  std::chrono::milliseconds answer_timeout = std::chrono::seconds(60);
  std::size_t max_pending = 4096;
  std::size_t max_per_address = 256;
};

class ZapClient : public std::enable_shared_from_this<ZapClient> {
 public:
  ZapClient(Context& context, boost::asio::io_context& io, ZapLimits limits = {});
  ~ZapClient();

  // Sends `request`; `done` runs once with the handler's reply, on the I/O thread (or at once,
  // refused, after stop()).
  void request(ZapRequest request, std::function<void(zmtp::AuthReply)> done);
  // Closes the socket (on its thread) and forgets the requests still waiting.
  void stop();

 private:
  struct Pending {
    std::chrono::steady_clock::time_point asked;
    std::string address;
    std::function<void(zmtp::AuthReply)> done;
  };

  bool stopped() const;
  void send(ZapRequest request, std::function<void(zmtp::AuthReply)> done);
  void receive();
  void on_reply(const Message& m);
  // Takes request `id` out of the tables; its `done`, or null when it is not waiting.
  std::function<void(zmtp::AuthReply)> take(std::uint64_t id);
  // Makes room for one more request from `address` (the fairness rule above).
  void make_room(const std::string& address);
  // Refuses the requests that waited answer_timeout, and arms the timer for the next one.
  void expire_pending();
  void arm_expiry();

  Context& context_;
  boost::asio::io_context& io_;
  const ZapLimits limits_;
  mutable Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Used on io_ only.
  std::unique_ptr<Socket> dealer_;
  boost::asio::steady_timer expiry_;
  bool expiry_armed_ = false;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;  // by request id: the oldest first
  absl::flat_hash_map<std::string, std::set<std::uint64_t>> by_address_;
};

}  // namespace bossa::socket
