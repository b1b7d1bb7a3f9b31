// StreamEngine, its output: one gather write of the control octets and the messages the socket
// queued. See stream_engine.h.
#include "transport/socket/transports/stream_engine.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include "transport/socket/zmtp/wire.h"

namespace bossa::socket {

template <typename Stream>
void StreamEngine<Stream>::pump_out() {
  if (writing_ || state_ == State::kClosed) return;
  out_.clear();
  segments_.clear();
  run_start_ = 0;
  batch_bytes_ = 0;
  out_.swap(control_);
  if (state_ == State::kActive) {
    Message m;
    MessageQueue& q = *link_->from_socket;
    if (conflate_out_) {
      // Only the latest of the messages waiting goes out.
      if (q.pop(m)) {
        std::uint64_t replaced = 0;
        while (q.pop(m)) ++replaced;
        if (replaced != 0) cfg_.core->drop(DropReason::kConflated, replaced);
        if (!encode(m)) return;
      }
    } else {
      while (out_.size() < kWriteBatch && batch_bytes_ < kGatherBatch && q.pop(m)) {
        if (!encode(m)) return;
      }
    }
    q.release_reads();
    if (out_.empty() && segments_.empty() && q.closed()) {
      shutdown(/*local=*/true);  // the socket closed and everything queued went out
      return;
    }
  }
  if (out_.size() > run_start_)
    segments_.push_back(Segment{nullptr, run_start_, out_.size() - run_start_});
  if (segments_.empty()) return;
  buffers_.clear();
  for (const Segment& s : segments_) {
    buffers_.emplace_back(s.external != nullptr
                              ? s.external
                              : reinterpret_cast<const std::uint8_t*>(out_.data()) + s.offset,
                          s.size);
  }
  writing_ = true;
  boost::asio::async_write(
      stream_, buffers_, WholeBatch{},
      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
        self->on_written(ec);
      });
}

template <typename Stream>
bool StreamEngine<Stream>::encode(Message& m) {
  if (transforms_) return encode_secure(m);
  if (peer_v31_ && (type() == SocketType::kSub || type() == SocketType::kXsub) && m.size() == 1 &&
      !m[0].empty() &&
      (m[0].data()[0] == zmtp::kSubscribePrefix || m[0].data()[0] == zmtp::kCancelPrefix)) {
    const std::string_view topic = m[0].view().substr(1);
    if (m[0].data()[0] == zmtp::kSubscribePrefix) {
      zmtp::append_subscribe(out_, topic);
    } else {
      zmtp::append_cancel(out_, topic);
    }
    return true;
  }
  bool external = false;
  const std::size_t n = m.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Frame& f = m[i];
    const std::size_t at = out_.size();
    const bool big = f.size() >= kGatherMin;
    out_.resize(at + zmtp::kMaxHeaderSize + (big ? 0 : f.size()));
    auto* p = reinterpret_cast<std::uint8_t*>(out_.data() + at);
    const std::size_t h = zmtp::write_frame_header(p, f.size(), i + 1 < n ? zmtp::kFlagMore : 0);
    if (big) {
      out_.resize(at + h);
      segments_.push_back(Segment{nullptr, run_start_, out_.size() - run_start_});
      segments_.push_back(Segment{f.data(), 0, f.size()});
      run_start_ = out_.size();
      batch_bytes_ += f.size();
      external = true;
    } else {
      if (f.size() != 0) std::memcpy(p + h, f.data(), f.size());
      out_.resize(at + h + f.size());
    }
  }
  if (external) inflight_.push_back(std::move(m));
  return true;
}

template <typename Stream>
bool StreamEngine<Stream>::encode_secure(Message& m) {
  if ((type() == SocketType::kSub || type() == SocketType::kXsub) && m.size() == 1 &&
      !m[0].empty() &&
      (m[0].data()[0] == zmtp::kSubscribePrefix || m[0].data()[0] == zmtp::kCancelPrefix)) {
    const std::size_t at = control_.size();
    const std::string_view topic = m[0].view().substr(1);
    if (m[0].data()[0] == zmtp::kSubscribePrefix) {
      zmtp::append_subscribe(control_, topic);
    } else {
      zmtp::append_cancel(control_, topic);
    }
    if (!seal_control(at)) return false;
    out_.append(control_, at);
    control_.resize(at);
    return true;
  }
  const std::size_t n = m.size();
  for (std::size_t i = 0; i < n; ++i) {
    absl::Status s = mechanism_->encode_frame(m[i].view(), i + 1 < n ? zmtp::kFlagMore : 0, out_);
    if (!s.ok()) return fail(s);
    batch_bytes_ += m[i].size();
  }
  return true;
}

template <typename Stream>
bool StreamEngine<Stream>::seal_control(std::size_t from) {
  std::string plain = control_.substr(from);
  control_.resize(from);
  std::string_view in = plain;
  const zmtp::FrameLimits any{UINT64_MAX, UINT64_MAX, true};
  while (!in.empty()) {
    absl::StatusOr<zmtp::FrameHeader> h = zmtp::parse_frame_header(in, any);
    if (!h.ok() || h->header_size == 0) return true;  // our own frames: cannot happen
    absl::Status s =
        mechanism_->encode_frame(in.substr(h->header_size, h->size), zmtp::kFlagCommand, control_);
    if (!s.ok()) return fail(s);
    in.remove_prefix(h->header_size + h->size);
  }
  return true;
}

template <typename Stream>
void StreamEngine<Stream>::on_written(boost::system::error_code ec) {
  writing_ = false;
  inflight_.clear();
  if (state_ == State::kClosed) return;
  if (refused_ && control_.empty()) {
    shutdown();
    return;
  }
  if (ec) {
    shutdown();
    return;
  }
  pump_out();
}

// The members above, for the streams that stream_engine.cc instantiates the engine for.
template void StreamEngine<TcpStream>::pump_out();
template bool StreamEngine<TcpStream>::encode(Message&);
template bool StreamEngine<TcpStream>::encode_secure(Message&);
template bool StreamEngine<TcpStream>::seal_control(std::size_t);
template void StreamEngine<TcpStream>::on_written(boost::system::error_code);
template void StreamEngine<IpcStream>::pump_out();
template bool StreamEngine<IpcStream>::encode(Message&);
template bool StreamEngine<IpcStream>::encode_secure(Message&);
template bool StreamEngine<IpcStream>::seal_control(std::size_t);
template void StreamEngine<IpcStream>::on_written(boost::system::error_code);

}  // namespace bossa::socket
