// IoWaker: the queue listener on the I/O side of a tcp/ipc pipe.
//
// A socket that writes into an idle pipe, or frees room in a full one, wakes the engine serving the
// pipe by posting to the engine's io_context. A dialer's persistent pipe outlives its connections,
// so the target engine changes on each reconnect; it is read and written on the I/O thread only.
// The waker owns its engine: an engine paused on a full pipe has no pending operation to keep it
// alive. The engine breaks the cycle (engine -> queue -> waker -> engine) when it shuts down.
// Thread-safety: on_queue_ready from any thread; set_engine on the I/O thread.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "transport/socket/core/spsc_queue.h"

namespace bossa::socket {

// What an engine offers its waker.
class EngineHook {
 public:
  virtual ~EngineHook() = default;
  // The socket wrote to the pipe, freed room in it, or closed it. Runs on the I/O thread.
  virtual void on_pipe_ready() = 0;
};

class IoWaker final : public QueueListener, public std::enable_shared_from_this<IoWaker> {
 public:
  explicit IoWaker(boost::asio::io_context::executor_type ex) : ex_(ex) {}

  void on_queue_ready() override {
    boost::asio::post(ex_, [self = shared_from_this()] {
      if (auto engine = self->engine_) engine->on_pipe_ready();
    });
  }

  void set_engine(std::shared_ptr<EngineHook> engine) { engine_ = std::move(engine); }

 private:
  const boost::asio::io_context::executor_type ex_;
  std::shared_ptr<EngineHook> engine_;  // I/O thread only
};

}  // namespace bossa::socket
