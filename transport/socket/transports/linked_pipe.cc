#include <memory>

#include "transport/socket/core/socket_core.h"
#include "transport/socket/transports/io_waker.h"
#include "transport/socket/transports/transport.h"

namespace bossa::socket {

LinkedPipe make_linked_pipe(boost::asio::io_context& io, const std::shared_ptr<SocketCore>& core,
                            const Options& options) {
  auto link = std::make_shared<PipeLink>();
  // A conflating direction ignores its high-water mark: its reader skips to the latest message.
  const SocketType type = core->type();
  const std::int64_t rcvhwm = conflates_inbound(type, options) ? 0 : options.rcvhwm;
  const std::int64_t sndhwm = conflates_outbound(type, options) ? 0 : options.sndhwm;
  link->to_socket = std::make_shared<MessageQueue>(static_cast<std::size_t>(rcvhwm));
  link->from_socket = std::make_shared<MessageQueue>(static_cast<std::size_t>(sndhwm));
  auto io_waker = std::make_shared<IoWaker>(io.get_executor());
  auto socket_waker = std::make_shared<SocketWaker>(core);
  link->to_socket->set_reader_listener(socket_waker);
  link->to_socket->set_writer_listener(io_waker);
  link->from_socket->set_reader_listener(io_waker);
  link->from_socket->set_writer_listener(socket_waker);
  auto pipe = std::make_shared<Pipe>(core->next_pipe_id(), link->to_socket, link->from_socket);
  pipe->set_link(link);
  return LinkedPipe{std::move(pipe), std::move(link), std::move(io_waker)};
}

}  // namespace bossa::socket
