// ZapClient: a Context's side of RFC 27 (ZAP), asking a handler bound at inproc://zeromq.zap.01.
//
// Requests go out on one DEALER socket that lives on one of the context's I/O threads; every
// socket operation runs there. Request: "" "1.0" request-id domain address identity mechanism
// credentials...; reply: "" "1.0" request-id status-code status-text user-id metadata. A reply
// with status 200 allows the client; anything else refuses it with its status text. A request the
// handler leaves unanswered for kZapAnswerTimeout, or the oldest one once kMaxZapPending wait, is
// refused as unanswered (its connection's handshake has timed out long since).
// Thread-safety: request() from any thread; stop() once, from the Context's destructor, not from
// an I/O thread. Lifetime: shared_ptr, kept alive by its pending operations.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "transport/socket/core/authenticator.h"

namespace bossa::socket {

class Context;
class Socket;

inline constexpr std::string_view kZapEndpoint = "inproc://zeromq.zap.01";
inline constexpr auto kZapAnswerTimeout = std::chrono::seconds(60);
inline constexpr size_t kMaxZapPending = 4096;

class ZapClient : public std::enable_shared_from_this<ZapClient> {
 public:
  ZapClient(Context& context, boost::asio::io_context& io);
  ~ZapClient();

  // Sends `request`; `done` runs once with the handler's reply, on the I/O thread.
  void request(ZapRequest request, std::function<void(zmtp::AuthReply)> done);
  // Closes the socket (on its thread) and forgets the requests still waiting.
  void stop();

 private:
  void send(ZapRequest request, std::function<void(zmtp::AuthReply)> done);
  void receive();
  // Refuses the requests that waited kZapAnswerTimeout, and the oldest past kMaxZapPending - 1.
  void expire_pending();

  Context& context_;
  boost::asio::io_context& io_;
  // Used on io_ only.
  std::unique_ptr<Socket> dealer_;
  std::uint64_t next_id_ = 1;
  struct Pending {
    std::chrono::steady_clock::time_point asked;
    std::function<void(zmtp::AuthReply)> done;
  };
  std::map<std::uint64_t, Pending> pending_;  // by request id: the oldest first
};

}  // namespace bossa::socket
