// LocalInbox: the queue and thread through which a node of a LocalNetwork hears from the others.
//
// Events (envelopes, node up, node down) are handled one at a time, in the order they were posted,
// on the inbox's own thread. close() stops the thread; events still queued are dropped, as a node
// that stops drops what it has not read. Thread-safety: post and close from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"
#include "transport/transport.h"

namespace bossa::transport {

class LocalInbox {
 public:
  explicit LocalInbox(TransportHandler& handler);
  LocalInbox(const LocalInbox&) = delete;
  LocalInbox& operator=(const LocalInbox&) = delete;
  ~LocalInbox() { close(); }

  void post_envelope(uint32_t from, std::string bytes);
  void post_node_up(const NodeIdentity& node);
  void post_node_down(const NodeIdentity& node, std::string_view reason);

  // Stops the thread; idempotent. Must not be called from a handler.
  void close();

 private:
  struct Event {
    enum class Kind { kEnvelope, kUp, kDown } kind;
    NodeIdentity node;  // the sender for kEnvelope
    std::string data;   // the envelope, or the reason for kDown
  };

  void post(Event event);
  void run();

  TransportHandler& handler_;
  Mutex mutex_;
  CondVar ready_;
  std::deque<Event> events_ ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace bossa::transport
