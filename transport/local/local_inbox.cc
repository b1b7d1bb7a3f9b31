#include "transport/local/local_inbox.h"

#include <utility>

namespace bossa::transport {

LocalInbox::LocalInbox(TransportHandler& handler) : handler_(handler) {
  thread_ = std::thread([this] { run(); });
}

void LocalInbox::post_envelope(uint32_t from, std::string bytes) {
  post(Event{Event::Kind::kEnvelope, NodeIdentity{from, {}}, std::move(bytes)});
}

void LocalInbox::post_node_up(const NodeIdentity& node) {
  post(Event{Event::Kind::kUp, node, {}});
}

void LocalInbox::post_node_down(const NodeIdentity& node, std::string_view reason) {
  post(Event{Event::Kind::kDown, node, std::string(reason)});
}

void LocalInbox::post(Event event) {
  {
    MutexLock lock(mutex_);
    if (closed_) return;
    events_.push_back(std::move(event));
  }
  ready_.notify_one();
}

void LocalInbox::close() {
  {
    MutexLock lock(mutex_);
    if (closed_) return;
    closed_ = true;
    events_.clear();
  }
  ready_.notify_one();
  thread_.join();
}

void LocalInbox::run() {
  MutexLock lock(mutex_);
  for (;;) {
    ready_.wait(mutex_, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return closed_ || !events_.empty();
    });
    if (closed_) return;
    Event event = std::move(events_.front());
    events_.pop_front();
    lock.unlock();
    switch (event.kind) {
      case Event::Kind::kEnvelope:
        handler_.on_envelope(event.node.id, event.data);
        handler_.on_batch_end();
        break;
      case Event::Kind::kUp:
        handler_.on_node_up(event.node);
        break;
      case Event::Kind::kDown:
        handler_.on_node_down(event.node, event.data, DeliveryTally{});
        break;
    }
    lock.lock();
  }
}

}  // namespace bossa::transport
