// StreamEngine, its input: reads from the stream, frames decoded or read in place, messages
// into the pipe, commands answered. See stream_engine.h.
#include "transport/socket/transports/stream_engine.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/zmtp/greeting.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::socket {

template <typename Stream>
void StreamEngine<Stream>::read_more() {
  if (reading_ || state_ == State::kClosed || blocked_) return;
  reading_ = true;
  auto self = this->shared_from_this();
  // An idle connection keeps a small buffer; the first read that fills it grows it for good.
  if (last_read_filled_ && in_buf_.size() < kReadChunk) in_buf_.resize(kReadChunk);
  // Next to a large frame, what follows it is read in small amounts: it is likely the header and
  // first octets of another large frame, whose body should land in its own Frame, not in in_buf_.
  const std::size_t room = after_large_ ? std::min(kTailRead, in_buf_.size()) : in_buf_.size();
  if (direct_) {
    if (direct_have_ == direct_->size() && !grow_direct()) return;
    // The rest of the body, and what follows it, in one system call (only what follows it once
    // the body has all the room it announced).
    const bool whole = direct_->size() == direct_size_;
    const std::array<boost::asio::mutable_buffer, 2> buffers = {
        boost::asio::buffer(direct_->data() + direct_have_, direct_->size() - direct_have_),
        boost::asio::buffer(in_buf_.data(), whole ? room : 0)};
    stream_.async_read_some(buffers, [self](boost::system::error_code ec, std::size_t n) {
      self->on_direct_read(ec, n);
    });
    return;
  }
  stream_.async_read_some(
      boost::asio::buffer(in_buf_.data() + carry_, room - carry_),
      [self](boost::system::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

template <typename Stream>
void StreamEngine<Stream>::on_direct_read(boost::system::error_code ec, std::size_t n) {
  reading_ = false;
  if (state_ == State::kClosed) return;
  if (ec) {
    shutdown();
    return;
  }
  last_recv_ = Clock::now();
  received_ += n;
  const std::size_t body = std::min(n, direct_->size() - direct_have_);
  direct_have_ += body;
  in_begin_ = 0;
  in_end_ = n - body;
  if (direct_have_ == direct_size_) {
    partial_.push_back(std::move(*direct_));
    direct_.reset();
    if (!direct_more_) {
      deliver(std::move(partial_));
      partial_.clear();
      partial_bytes_ = 0;
      if (blocked_) return;  // what followed the body waits in in_buf_ for room in the pipe
    }
  }
  if (process()) read_more();
}

template <typename Stream>
bool StreamEngine<Stream>::grow_direct() {
  const std::uint64_t credit = std::min<std::uint64_t>(received_, kMaxCredit);
  const std::uint64_t room = std::max<std::uint64_t>(
      {direct_ ? 2 * std::uint64_t{direct_->size()} : 0, credit, kReadChunk});
  const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(direct_size_, room));
  std::optional<Frame> larger;
  try {
    larger.emplace(size);
  } catch (const std::bad_alloc&) {
    return fail(absl::ResourceExhaustedError(
        absl::StrCat("no memory for ", size, " octets of a ", direct_size_, "-octet frame")));
  }
  if (direct_) std::memcpy(larger->data(), direct_->data(), direct_have_);
  direct_ = std::move(larger);
  return true;
}

template <typename Stream>
bool StreamEngine<Stream>::admit_frame(std::uint64_t size) {
  // A frame's octets count, and what each frame after the first costs beside them: a single frame
  // of exactly maxmsgsize is taken, as libzmq takes it.
  partial_bytes_ += size + (partial_.empty() && !direct_ ? 0 : kFrameOverhead);
  const std::int64_t max = cfg_.options.maxmsgsize;
  if (max < 0 || partial_bytes_ <= static_cast<std::uint64_t>(max)) return true;
  return fail(absl::InvalidArgumentError(
      absl::StrCat("a message of more than maxmsgsize (", max, ") octets, ", kFrameOverhead,
                   " octets counted for each frame after the first")));
}

template <typename Stream>
bool StreamEngine<Stream>::take_over(std::string_view in) {
  if (transforms_ || !decoder_.at_frame_boundary()) return false;
  absl::StatusOr<zmtp::FrameHeader> h = zmtp::parse_frame_header(in, decoder_.limits());
  if (!h.ok()) return false;  // errors are reported by the decoder itself
  if (h->header_size == 0) {
    std::memmove(in_buf_.data(), in.data(), in.size());
    carry_ = in.size();
    in_begin_ = in_end_;
    return true;
  }
  if (h->command() || h->size < kDirectMin || in.size() - h->header_size >= h->size) {
    return false;
  }
  in_begin_ = in_end_;
  if (!admit_frame(h->size)) return true;
  direct_size_ = h->size;
  if (!grow_direct()) return true;
  direct_more_ = h->more();
  direct_have_ = in.size() - h->header_size;
  std::memcpy(direct_->data(), in.data() + h->header_size, direct_have_);
  after_large_ = true;
  return true;
}

template <typename Stream>
void StreamEngine<Stream>::on_read(boost::system::error_code ec, std::size_t n) {
  reading_ = false;
  if (state_ == State::kClosed) return;
  if (ec) {
    if (state_ == State::kGreeting && !greeting_in_.empty()) {
      fail_no_detail(
          absl::InvalidArgumentError(absl::StrCat("truncated greeting: ", greeting_in_.size(),
                                                  " of 64 octets, then ", ec.message())),
          errno_of(ec));
    } else if (state_ == State::kHandshake) {
      fail_no_detail(absl::InvalidArgumentError(
                         absl::StrCat("connection ended during the handshake: ", ec.message())),
                     errno_of(ec));
    } else {
      handshake_failed(kEventHandshakeFailedNoDetail, static_cast<std::uint32_t>(errno_of(ec)));
      shutdown();
    }
    return;
  }
  last_recv_ = Clock::now();
  received_ += n;
  in_begin_ = 0;
  in_end_ = carry_ + n;
  carry_ = 0;
  last_read_filled_ = in_end_ == in_buf_.size();
  if (process()) read_more();
}

template <typename Stream>
bool StreamEngine<Stream>::process() {
  const bool had_input = in_begin_ < in_end_;
  while (in_begin_ < in_end_) {
    std::string_view in(in_buf_.data() + in_begin_, in_end_ - in_begin_);
    if (state_ == State::kGreeting) {
      const std::size_t take = std::min(zmtp::kGreetingSize - greeting_in_.size(), in.size());
      greeting_in_.append(in.substr(0, take));
      in_begin_ += take;
      if (absl::Status s = zmtp::check_greeting_prefix(greeting_in_); !s.ok()) return fail(s);
      if (greeting_in_.size() == zmtp::kGreetingSize && !on_greeting()) return false;
      continue;
    }
    if (state_ == State::kActive && take_over(in)) break;
    auto frame = decoder_.next(in);
    in_begin_ = in_end_ - in.size();
    if (!frame.ok()) return fail(frame.status());
    if (!frame->has_value()) break;
    if (!on_frame(**frame)) return false;
    if (blocked_) {
      if (link_) link_->to_socket->flush();
      return false;
    }
  }
  if (link_) link_->to_socket->flush();
  // Input that held no large frame (nor the start of one) ends the small reads.
  if (had_input && !direct_ && carry_ == 0) after_large_ = false;
  return state_ != State::kClosed;
}

template <typename Stream>
bool StreamEngine<Stream>::on_frame(const zmtp::DecodedFrame& f) {
  if (transforms_) return on_secure_frame(f);
  if (refused_) return false;
  if (f.header.command()) {
    absl::StatusOr<zmtp::Command> c = state_ == State::kHandshake
                                          ? zmtp::parse_handshake_command(f.body)
                                          : zmtp::parse_command(f.body);
    if (!c.ok()) return fail(c.status(), kProtocolErrorZmtpMalformedCommand);
    if (state_ == State::kHandshake) {
      if (absl::Status s = mechanism_->on_command(*c, control_); !s.ok()) {
        return absl::IsPermissionDenied(s) ? refuse(s, zap_status_of(std::string(s.message())))
                                           : fail(s, protocol_error_of(s));
      }
      if (std::optional<zmtp::AuthRequest> request = mechanism_->take_auth_request()) {
        start_auth(*std::move(request));
      }
      if (mechanism_->done()) return on_handshake_done();
      pump_out();
      return true;
    }
    return on_command(*c);
  }
  if (state_ != State::kActive) {
    return fail(absl::InvalidArgumentError("data frame before the handshake completed"),
                kProtocolErrorZmtpUnexpectedCommand);
  }
  if (!admit_frame(f.body.size())) return false;
  partial_.push_back(Frame(f.body.data(), f.body.size()));
  if (!f.header.more()) {
    deliver(std::move(partial_));
    partial_.clear();
    partial_bytes_ = 0;
  }
  return true;
}

template <typename Stream>
bool StreamEngine<Stream>::on_secure_frame(const zmtp::DecodedFrame& f) {
  std::uint8_t flags = 0;
  // A large frame is opened into a buffer of its own that its Frame then adopts: no copy after
  // the box is opened, and no scratch buffer left at the size of the largest frame.
  const bool large = f.body.size() > kReadChunk;
  std::unique_ptr<std::string> own = large ? std::make_unique<std::string>() : nullptr;
  absl::StatusOr<std::string_view> payload =
      mechanism_->decode_frame(f.body, large ? *own : scratch_, flags);
  if (!payload.ok()) return fail(payload.status());
  if ((flags & zmtp::kFlagCommand) != 0) {
    if (!partial_.empty()) return fail(absl::InvalidArgumentError("a command inside a message"));
    absl::StatusOr<zmtp::Command> c = zmtp::parse_command(*payload);
    if (!c.ok()) return fail(c.status());
    return on_command(*c);
  }
  if (!admit_frame(payload->size())) return false;
  if (large) {
    const auto release = [](void*, void* hint) { delete static_cast<std::string*>(hint); };
    void* data = const_cast<char*>(payload->data());
    partial_.push_back(Frame::adopt(data, payload->size(), release, own.get()));
    own.release();
  } else {
    partial_.push_back(Frame(payload->data(), payload->size()));
  }
  if ((flags & zmtp::kFlagMore) == 0) {
    deliver(std::move(partial_));
    partial_.clear();
    partial_bytes_ = 0;
  }
  return true;
}

template <typename Stream>
void StreamEngine<Stream>::deliver(Message&& m) {
  if (link_->to_socket->full()) {
    blocked_ = std::move(m);
    return;
  }
  link_->to_socket->push(std::move(m));
}

template <typename Stream>
bool StreamEngine<Stream>::on_command(const zmtp::Command& c) {
  if (c.name == zmtp::kPing) {
    absl::StatusOr<zmtp::Ping> ping = zmtp::parse_ping(c.data);
    if (!ping.ok()) return fail(ping.status());
    const std::size_t at = control_.size();
    zmtp::append_pong(control_, ping->context);
    if (transforms_ && !seal_control(at)) return false;
    if (ping->ttl_deciseconds > 0) arm_ttl(std::chrono::milliseconds(100 * ping->ttl_deciseconds));
    pump_out();
    return true;
  }
  if (c.name == zmtp::kPong) {
    absl::StatusOr<std::string_view> pong = zmtp::parse_pong(c.data);
    return pong.ok() ? true : fail(pong.status());
  }
  if (c.name == zmtp::kSubscribe || c.name == zmtp::kCancel) {
    if (type() != SocketType::kPub && type() != SocketType::kXpub) return true;
    Frame f(c.data.size() + 1);
    f.data()[0] = c.name == zmtp::kSubscribe ? zmtp::kSubscribePrefix : zmtp::kCancelPrefix;
    if (!c.data.empty()) std::memcpy(f.data() + 1, c.data.data(), c.data.size());
    deliver(Message(std::move(f)));
    return true;
  }
  if (c.name == zmtp::kError) {
    absl::StatusOr<std::string_view> reason = zmtp::parse_error(c.data);
    if (!reason.ok()) return fail(reason.status());
    cfg_.core->log(
        absl::StrCat("bossa socket: peer ", cfg_.endpoint, " sent ERROR: ", std::string(*reason)));
    shutdown();
    return false;
  }
  if (c.name == zmtp::kReady) {
    return fail(absl::InvalidArgumentError("READY after the handshake"));
  }
  return true;  // unknown commands are ignored
}

// The members above, for the streams that stream_engine.cc instantiates the engine for.
template void StreamEngine<TcpStream>::read_more();
template void StreamEngine<TcpStream>::on_direct_read(boost::system::error_code, std::size_t);
template bool StreamEngine<TcpStream>::take_over(std::string_view);
template bool StreamEngine<TcpStream>::grow_direct();
template bool StreamEngine<TcpStream>::admit_frame(std::uint64_t);
template void StreamEngine<TcpStream>::on_read(boost::system::error_code, std::size_t);
template bool StreamEngine<TcpStream>::process();
template bool StreamEngine<TcpStream>::on_frame(const zmtp::DecodedFrame&);
template bool StreamEngine<TcpStream>::on_secure_frame(const zmtp::DecodedFrame&);
template void StreamEngine<TcpStream>::deliver(Message&&);
template bool StreamEngine<TcpStream>::on_command(const zmtp::Command&);
template void StreamEngine<IpcStream>::read_more();
template void StreamEngine<IpcStream>::on_direct_read(boost::system::error_code, std::size_t);
template bool StreamEngine<IpcStream>::take_over(std::string_view);
template bool StreamEngine<IpcStream>::grow_direct();
template bool StreamEngine<IpcStream>::admit_frame(std::uint64_t);
template void StreamEngine<IpcStream>::on_read(boost::system::error_code, std::size_t);
template bool StreamEngine<IpcStream>::process();
template bool StreamEngine<IpcStream>::on_frame(const zmtp::DecodedFrame&);
template bool StreamEngine<IpcStream>::on_secure_frame(const zmtp::DecodedFrame&);
template void StreamEngine<IpcStream>::deliver(Message&&);
template bool StreamEngine<IpcStream>::on_command(const zmtp::Command&);

}  // namespace bossa::socket
