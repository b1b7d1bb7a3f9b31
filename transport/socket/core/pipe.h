// Pipe: one socket's end of the message channel to one peer (nng's "pipe").
//
// A pipe is two SPSC queues: `in` (peer -> socket) and `out` (socket -> peer). The peer is either a
// connection engine on an I/O thread (tcp, ipc) or another socket's pipe with the queues crossed
// (inproc). Protocols see only pipes: read, write, flush, and the peer's metadata.
//
// Thread-safety: the socket side of a Pipe is used only by the thread currently operating the
// socket. PeerInfo is written only while the socket processes its events. The queues handle the
// cross-thread part (see spsc_queue.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "transport/socket/core/message.h"
#include "transport/socket/core/spsc_queue.h"
#include "transport/socket/zmtp/socket_type.h"

namespace bossa::socket {

using SocketType = zmtp::SocketType;
using MessageQueue = SpscQueue<Message>;

class SocketCore;

// What the handshake (or the inproc pairing) told us about the peer.
struct PeerInfo {
  std::optional<SocketType> type;
  std::string routing_id;  // the peer's Identity; empty when it announced none
  std::string user_id;     // who the authenticator said the client is (PLAIN/CURVE servers)
  std::string address;     // the peer's IP address (tcp); empty otherwise
};

// The I/O-thread side of a tcp/ipc pipe: the engine writes `to_socket` and reads `from_socket`.
// An inproc pairing shares one too (the binder's queues), for the accounting below.
struct PipeLink {
  std::shared_ptr<MessageQueue> to_socket;
  std::shared_ptr<MessageQueue> from_socket;
  std::atomic<std::int64_t> linger_ms{-1};  // set by the socket before it closes from_socket
  std::atomic<int> sides_done{0};

  // Each side calls this once, when it stops using the queues for good (the socket when it
  // releases its pipe; the engine, dialer or inproc registry on the other side when it ends).
  // The second caller gets the messages left in both queues, which nobody will take: dropped.
  std::uint64_t finish_side() {
    if (sides_done.fetch_add(1, std::memory_order_acq_rel) == 0) return 0;
    return to_socket->size() + from_socket->size();
  }
};

class Pipe {
 public:
  Pipe(std::uint64_t id, std::shared_ptr<MessageQueue> in, std::shared_ptr<MessageQueue> out)
      : id_(id), in_(std::move(in)), out_(std::move(out)) {}

  std::uint64_t id() const { return id_; }

  // Takes the next whole message (the latest one, skipping older ones, when conflating); false when
  // none is there (the socket is woken when one arrives).
  bool read(Message& out) {
    if (in_->pop(out)) {
      out.set_pipe_id(id_);
      if (conflate_) {
        std::uint64_t replaced = 0;
        while (in_->pop(out)) {
          out.set_pipe_id(id_);
          ++replaced;
        }
        release();
        if (replaced != 0 && on_conflated_) on_conflated_(replaced);
        return true;
      }
      if (++unreleased_ >= kReleaseBatch) release();
      return true;
    }
    release();
    return false;
  }
  // True when a message is waiting (arms the wake-up otherwise).
  bool readable() { return in_->peek() != nullptr; }

  // Queues `m` unless the pipe is at its high-water mark (then returns false, `m` untouched, and
  // the socket is woken when space frees up). Invisible to the peer until flush().
  bool write(Message&& m) {
    if (out_->full()) return false;
    out_->push(std::move(m));
    return true;
  }
  bool writable() { return !out_->full(); }
  void flush() { out_->flush(); }

  // True once the peer stopped writing and every message was read; the reads are then released,
  // so that the queue no longer counts the last of them as left (PipeLink::finish_side).
  bool in_closed() {
    if (!in_->closed()) return false;
    release();
    return true;
  }

  // This side stops writing; the peer sees the end after what is queued. `linger_ms` bounds how
  // long a connection engine keeps sending what is queued.
  void close(std::int64_t linger_ms) {
    if (closed_) return;
    closed_ = true;
    release();
    if (link_) link_->linger_ms.store(linger_ms, std::memory_order_relaxed);
    out_->close_writer();
  }
  bool closed() const { return closed_; }

  // tcp/ipc pipes keep their engine-side link; inproc pipes know the peer socket to tell it on
  // close.
  void set_link(std::shared_ptr<PipeLink> link) { link_ = std::move(link); }
  PipeLink* link() const { return link_.get(); }
  void set_inproc_peer(std::weak_ptr<SocketCore> core, std::uint64_t pipe_id) {
    inproc_peer_ = std::move(core);
    inproc_peer_pipe_ = pipe_id;
  }
  const std::weak_ptr<SocketCore>& inproc_peer() const { return inproc_peer_; }
  std::uint64_t inproc_peer_pipe() const { return inproc_peer_pipe_; }

  PeerInfo& peer() { return peer_; }
  const PeerInfo& peer() const { return peer_; }

  // conflate: read() keeps only the latest of the messages waiting, and tells `on_replaced` how
  // many older ones it skipped.
  void set_conflate(bool conflate, std::function<void(std::uint64_t)> on_replaced = {}) {
    conflate_ = conflate;
    on_conflated_ = std::move(on_replaced);
  }

  // Whether the peer's handshake completed (tcp/ipc) or the pairing exists (inproc).
  bool ready() const { return ready_; }
  void set_ready(bool ready) { ready_ = ready; }

  // The id a ROUTER knows this peer by (assigned by the protocol).
  std::string routing_id;
  // The endpoint given to connect() when a dialer made this pipe; empty for accepted connections.
  std::string origin;
  // Set once the peer went away: no more writes; reads drain what is left.
  bool terminating = false;

 private:
  static constexpr unsigned kReleaseBatch = 64;
  void release() {
    unreleased_ = 0;
    in_->release_reads();
  }

  const std::uint64_t id_;
  std::shared_ptr<MessageQueue> in_;
  std::shared_ptr<MessageQueue> out_;
  std::shared_ptr<PipeLink> link_;
  std::weak_ptr<SocketCore> inproc_peer_;
  std::uint64_t inproc_peer_pipe_ = 0;
  PeerInfo peer_;
  bool ready_ = false;
  bool closed_ = false;
  bool conflate_ = false;
  std::function<void(std::uint64_t)> on_conflated_;
  unsigned unreleased_ = 0;
};

}  // namespace bossa::socket
