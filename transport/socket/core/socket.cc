#include "transport/socket/core/socket.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/endpoint.h"
#include "transport/socket/protocols/protocol.h"
#include "transport/socket/transports/transport.h"

namespace bossa::socket {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<Clock::time_point> deadline_after(std::int64_t ms) {
  if (ms < 0) return std::nullopt;
  return Clock::now() + std::chrono::milliseconds(ms);
}

// The PAIR socket a monitor endpoint is bound with; used under SocketCore's monitor lock.
class PairMonitorOutput final : public MonitorOutput {
 public:
  explicit PairMonitorOutput(Socket pair) : pair_(std::move(pair)) {}
  bool publish(const MonitorEvent& event) override {
    return pair_.send(encode_monitor_event(event), Flags::kDontwait).ok();
  }

 private:
  Socket pair_;
};

}  // namespace

class SocketImpl final : public ProtocolHost {
 public:
  SocketImpl(Context& context, SocketType type)
      : context_(context),
        core_(std::make_shared<SocketCore>(context, type)),
        proto_(make_protocol(type, *this)),
        alive_(std::make_shared<int>(0)) {}
  ~SocketImpl() override { close(); }

  const Options& options() const override { return options_; }
  SocketCore& core() override { return *core_; }
  void refuse_pipe(Pipe* p) override {
    p->terminating = true;
    close_pipe(p);
    zombies_.push_back(p);
  }

  absl::Status bind(std::string_view text);
  absl::Status connect(std::string_view text);
  absl::Status unbind(std::string_view text);
  absl::Status disconnect(std::string_view text);
  void close();

  absl::Status monitor(std::string_view endpoint, std::uint32_t events);

  absl::Status try_send(Message& m) {
    if (closed_) return absl::FailedPreconditionError("send on a closed socket");
    housekeeping();
    return proto_->send(m);
  }
  absl::Status try_recv(Message& m) {
    if (closed_) return absl::FailedPreconditionError("recv on a closed socket");
    housekeeping();
    return proto_->recv(m);
  }
  Socket::ConnectionState connection_state(std::uint64_t pipe_id) {
    housekeeping();
    auto it = pipes_.find(pipe_id);
    if (it == pipes_.end()) return Socket::ConnectionState::kGone;
    return it->second->terminating ? Socket::ConnectionState::kClosing
                                   : Socket::ConnectionState::kOpen;
  }
  // What the handshake told of the peer of pipe `pipe_id`: of a pipe open now, or of one of the
  // last kDepartedPeers to go (a message read before its connection closed may be asked about
  // after); null if neither.
  const PeerInfo* find_peer(std::uint64_t pipe_id) {
    housekeeping();
    if (auto it = pipes_.find(pipe_id); it != pipes_.end()) return &it->second->peer();
    for (const auto& [id, peer] : departed_) {
      if (id == pipe_id) return &peer;
    }
    return nullptr;
  }
  bool readable() {
    if (closed_) return false;
    housekeeping();
    return proto_->readable();
  }
  bool writable() {
    if (closed_) return false;
    housekeeping();
    return proto_->writable();
  }
  absl::Status subscribe(bool on, std::string_view topic) {
    if (closed_) return absl::FailedPreconditionError("subscribe on a closed socket");
    housekeeping();
    return proto_->subscribe(on, topic);
  }

  Context& context_;
  std::shared_ptr<SocketCore> core_;
  Options options_;
  std::unique_ptr<Protocol> proto_;
  std::shared_ptr<int> alive_;  // async operations hold it weakly
  std::string last_endpoint_;
  bool closed_ = false;

 private:
  struct Bind {
    std::string text;
    std::string resolved;
    std::shared_ptr<Listener> listener;  // null for inproc
  };
  struct Connect {
    std::string text;
    std::shared_ptr<Dialer> dialer;  // null for inproc
    std::uint64_t pipe_id = 0;       // 0 when each connection brings its own pipe
    std::string routing_id;          // STREAM: its connections' connect_routing_id
  };

  void housekeeping() {
    if (core_->has_events()) process_events();
    if (!zombies_.empty()) reap();
  }
  void process_events();
  void reap();
  void attach(std::shared_ptr<Pipe> p) {
    Pipe* raw = p.get();
    if (conflates_inbound(core_->type(), options_)) {
      raw->set_conflate(
          true, [core = core_.get()](std::uint64_t n) { core->drop(DropReason::kConflated, n); });
    }
    pipes_[raw->id()] = std::move(p);
    proto_->attach(raw);
  }
  void close_pipe(Pipe* p) {
    p->close(options_.linger);
    if (auto peer = p->inproc_peer().lock()) {
      peer->post(
          PipeEvent{PipeEvent::Kind::kTerminate, p->inproc_peer_pipe(), nullptr, {}, false, {}, 0});
    }
  }
  // The socket lets go of `p` for good: what its queues still hold once the other side let go
  // too is dropped (PipeLink::finish_side).
  void release(Pipe* p) {
    if (PipeLink* link = p->link()) {
      if (const std::uint64_t n = link->finish_side()) core_->drop(DropReason::kPipeClosed, n);
    }
  }
  void terminate(Pipe* p) {
    if (p->terminating) return;
    p->terminating = true;
    proto_->terminating(p);
    close_pipe(p);
    zombies_.push_back(p);
  }
  InprocSide side() const {
    const SocketType type = core_->type();
    return InprocSide{core_, type, conflates_outbound(type, options_) ? 0 : options_.sndhwm,
                      conflates_inbound(type, options_) ? 0 : options_.rcvhwm, options_.routing_id};
  }
  static absl::Status stream_needs_tcp_or_ipc(const Endpoint& ep) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint '", ep.text, "': STREAM sockets speak tcp and ipc only"));
  }
  absl::StatusOr<boost::asio::io_context*> io_for(const Endpoint& ep) {
    boost::asio::io_context* io = context_.next_io();
    if (io == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("endpoint '", ep.text, "': the context has no I/O threads (inproc only)"));
    }
    return io;
  }

  absl::flat_hash_map<std::uint64_t, std::shared_ptr<Pipe>> pipes_;
  static constexpr std::size_t kDepartedPeers = 64;
  std::deque<std::pair<std::uint64_t, PeerInfo>> departed_;  // oldest first
  std::vector<Pipe*> zombies_;
  std::vector<Bind> binds_;
  std::vector<Connect> connects_;
};

void SocketImpl::process_events() {
  for (PipeEvent& ev : core_->take_events()) {
    switch (ev.kind) {
      case PipeEvent::Kind::kAttach:
        if (ev.peer_ready) {
          ev.pipe->peer() = std::move(ev.peer);
          ev.pipe->set_ready(true);
        }
        attach(std::move(ev.pipe));
        break;
      case PipeEvent::Kind::kReady: {
        auto it = pipes_.find(ev.pipe_id);
        if (it == pipes_.end() || it->second->terminating) break;
        Pipe* p = it->second.get();
        p->peer() = std::move(ev.peer);
        p->set_ready(true);
        if (!ev.inproc_peer.expired()) p->set_inproc_peer(ev.inproc_peer, ev.inproc_peer_pipe);
        proto_->ready(p);
        break;
      }
      case PipeEvent::Kind::kTerminate: {
        auto it = pipes_.find(ev.pipe_id);
        if (it != pipes_.end()) terminate(it->second.get());
        break;
      }
    }
  }
}

void SocketImpl::reap() {
  std::erase_if(zombies_, [&](Pipe* p) {
    if (!p->in_closed()) return false;
    proto_->detach(p);
    release(p);
    if (departed_.size() == kDepartedPeers) departed_.pop_front();
    departed_.emplace_back(p->id(), p->peer());
    pipes_.erase(p->id());
    return true;
  });
}

absl::Status SocketImpl::bind(std::string_view text) {
  if (closed_) return absl::FailedPreconditionError("bind on a closed socket");
  absl::StatusOr<Endpoint> ep = parse_endpoint(text);
  if (!ep.ok()) return ep.status();
  housekeeping();
  if (ep->kind == Endpoint::Kind::kInproc && core_->type() == SocketType::kStream) {
    return stream_needs_tcp_or_ipc(*ep);
  }
  if (ep->kind == Endpoint::Kind::kInproc) {
    auto pipes = context_.inproc().bind(ep->address, side());
    if (!pipes.ok()) return pipes.status();
    for (auto& p : *pipes) attach(std::move(p));
    binds_.push_back(Bind{ep->text, ep->text, nullptr});
    last_endpoint_ = ep->text;
    return absl::OkStatus();
  }
  if (absl::Status s = options_.check_security(); !s.ok()) return s;
  absl::StatusOr<boost::asio::io_context*> io = io_for(*ep);
  if (!io.ok()) return io.status();
  TransportArgs args{**io, core_, options_};
  auto listener = ep->kind == Endpoint::Kind::kTcp ? listen_tcp(*ep, args) : listen_ipc(*ep, args);
  if (!listener.ok()) return listener.status();
  last_endpoint_ = (*listener)->endpoint();
  binds_.push_back(Bind{ep->text, last_endpoint_, *std::move(listener)});
  return absl::OkStatus();
}

absl::Status SocketImpl::connect(std::string_view text) {
  if (closed_) return absl::FailedPreconditionError("connect on a closed socket");
  absl::StatusOr<Endpoint> ep = parse_endpoint(text);
  if (!ep.ok()) return ep.status();
  housekeeping();
  if (ep->kind == Endpoint::Kind::kInproc && core_->type() == SocketType::kStream) {
    return stream_needs_tcp_or_ipc(*ep);
  }
  if (ep->kind == Endpoint::Kind::kInproc) {
    auto pipe = context_.inproc().connect(ep->address, side());
    if (!pipe.ok()) return pipe.status();
    const std::uint64_t id = (*pipe)->id();
    attach(*std::move(pipe));
    connects_.push_back(Connect{ep->text, nullptr, id, {}});
    last_endpoint_ = ep->text;
    return absl::OkStatus();
  }
  if (ep->kind == Endpoint::Kind::kTcp && (ep->address == "*" || ep->port == 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint '", ep->text, "': connect needs a concrete host and port"));
  }
  if (ep->kind == Endpoint::Kind::kIpc && ep->address == "*") {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint '", ep->text, "': connect needs a concrete path"));
  }
  if (absl::Status s = options_.check_security(); !s.ok()) return s;
  absl::StatusOr<boost::asio::io_context*> io = io_for(*ep);
  if (!io.ok()) return io.status();
  const bool stream = core_->type() == SocketType::kStream;
  if (stream && !options_.connect_routing_id.empty()) {
    for (const Connect& c : connects_) {
      if (c.routing_id == options_.connect_routing_id) {
        return absl::AlreadyExistsError(absl::StrCat(
            "endpoint '", ep->text, "': connect_routing_id is taken by '", c.text, "'"));
      }
    }
  }
  LinkedPipe persistent;  // a STREAM connection is a pipe of its own, with an id of its own
  if (!options_.immediate && !stream) {
    persistent = make_linked_pipe(**io, core_, options_);
    attach(persistent.pipe);
  }
  const std::uint64_t id = persistent.pipe ? persistent.pipe->id() : 0;
  TransportArgs args{**io, core_, options_};
  auto dialer = ep->kind == Endpoint::Kind::kTcp ? dial_tcp(*ep, args, std::move(persistent))
                                                 : dial_ipc(*ep, args, std::move(persistent));
  // connect_routing_id names the connections of this connect() only, as in libzmq.
  connects_.push_back(
      Connect{ep->text, std::move(dialer), id, std::exchange(options_.connect_routing_id, {})});
  last_endpoint_ = ep->text;
  return absl::OkStatus();
}

absl::Status SocketImpl::unbind(std::string_view text) {
  if (closed_) return absl::FailedPreconditionError("unbind on a closed socket");
  auto it = std::find_if(binds_.begin(), binds_.end(),
                         [&](const Bind& b) { return b.text == text || b.resolved == text; });
  if (it == binds_.end()) {
    return absl::NotFoundError(absl::StrCat("unbind: '", std::string(text), "' is not bound"));
  }
  if (it->listener) {
    it->listener->close();
  } else {
    context_.inproc().unbind(parse_endpoint(it->text)->address, core_.get());
  }
  binds_.erase(it);
  return absl::OkStatus();
}

absl::Status SocketImpl::disconnect(std::string_view text) {
  if (closed_) return absl::FailedPreconditionError("disconnect on a closed socket");
  auto it = std::find_if(connects_.begin(), connects_.end(),
                         [&](const Connect& c) { return c.text == text; });
  if (it == connects_.end()) {
    return absl::NotFoundError(
        absl::StrCat("disconnect: '", std::string(text), "' is not connected"));
  }
  // The persistent pipe closes before its dialer stops, so that the dialer keeps dialling while
  // the pipe holds messages within the linger (as zmq_disconnect does). The pipes of an immediate
  // dialer's connections are collected once it makes no new ones.
  if (auto persistent = pipes_.find(it->pipe_id); persistent != pipes_.end()) {
    terminate(persistent->second.get());
  }
  if (it->dialer) it->dialer->close();
  housekeeping();
  std::vector<Pipe*> doomed;
  for (auto& [id, p] : pipes_) {
    if (it->dialer && p->origin == it->text) doomed.push_back(p.get());
  }
  for (Pipe* p : doomed) terminate(p);
  connects_.erase(it);
  housekeeping();
  return absl::OkStatus();
}

absl::Status SocketImpl::monitor(std::string_view endpoint, std::uint32_t events) {
  if (closed_) return absl::FailedPreconditionError("monitor on a closed socket");
  if (events > kEventAll) {
    return absl::InvalidArgumentError(
        absl::StrCat("monitor: events 0x", absl::Hex(events), " has bits above 0xFFFF"));
  }
  std::unique_ptr<MonitorOutput> output;
  if (!endpoint.empty()) {
    absl::StatusOr<Endpoint> ep = parse_endpoint(endpoint);
    if (!ep.ok()) return ep.status();
    if (ep->kind != Endpoint::Kind::kInproc) {
      return absl::InvalidArgumentError(absl::StrCat("monitor: endpoint '", std::string(endpoint),
                                                     "': monitor endpoints are inproc only"));
    }
    Socket pair(context_, SocketType::kPair);
    if (absl::Status s = pair.set(Option::kLinger, 0); !s.ok()) return s;
    // The old monitor stops first, so that a new one may take its endpoint.
    core_->set_monitor_output(nullptr, 0).reset();
    if (absl::Status s = pair.bind(endpoint); !s.ok()) return s;
    output = std::make_unique<PairMonitorOutput>(std::move(pair));
  }
  core_->set_monitor_output(std::move(output), events).reset();
  return absl::OkStatus();
}

void SocketImpl::close() {
  if (closed_) return;
  closed_ = true;
  if (const std::uint64_t n = context_.inproc().forget(core_.get())) {
    core_->drop(DropReason::kPipeClosed, n);
  }
  for (PipeEvent& ev : core_->close()) {
    if (ev.kind != PipeEvent::Kind::kAttach) continue;
    close_pipe(ev.pipe.get());
    release(ev.pipe.get());
  }
  for (Bind& b : binds_) {
    if (b.listener) b.listener->close();
  }
  // Pipes first: a dialer looks at its persistent pipe to decide whether to linger.
  for (auto& [id, p] : pipes_) {
    close_pipe(p.get());
    release(p.get());
  }
  for (Connect& c : connects_) {
    if (c.dialer) c.dialer->close();
  }
  binds_.clear();
  connects_.clear();
  zombies_.clear();
  pipes_.clear();
  core_->set_monitor_output(nullptr, 0).reset();
  core_->set_monitor_callback(nullptr, 0);
}

Socket::Socket(Context& context, SocketType type)
    : impl_(std::make_unique<SocketImpl>(context, type)) {}
Socket::Socket(Socket&&) noexcept = default;
Socket& Socket::operator=(Socket&&) noexcept = default;
Socket::~Socket() = default;

SocketType Socket::type() const {
  return impl_->core_->type();
}
absl::Status Socket::bind(std::string_view endpoint) {
  return impl_->bind(endpoint);
}
absl::Status Socket::connect(std::string_view endpoint) {
  return impl_->connect(endpoint);
}
absl::Status Socket::unbind(std::string_view endpoint) {
  return impl_->unbind(endpoint);
}
absl::Status Socket::disconnect(std::string_view endpoint) {
  return impl_->disconnect(endpoint);
}
void Socket::close() {
  impl_->close();
}
bool Socket::readable() {
  return impl_->readable();
}
Socket::ConnectionState Socket::connection_state(std::uint64_t pipe_id) {
  return impl_->connection_state(pipe_id);
}
absl::StatusOr<std::string> Socket::message_property(const Message& m, std::string_view name) {
  const PeerInfo* known = impl_->find_peer(m.pipe_id());
  std::string value;
  if (known != nullptr) {
    const PeerInfo& peer = *known;
    if (name == "User-Id") value = peer.user_id;
    if (name == "Peer-Address") value = peer.address;
    if (name == "Identity") value = peer.routing_id;
    if (name == "Socket-Type" && peer.type) value = std::string(zmtp::socket_type_name(*peer.type));
  }
  if (value.empty()) {
    return absl::NotFoundError(absl::StrCat("message property '", std::string(name),
                                            "': not known for this message's connection"));
  }
  return value;
}

bool Socket::writable() {
  return impl_->writable();
}
SocketCore& Socket::core() {
  return *impl_->core_;
}
absl::Status Socket::monitor(std::string_view endpoint, std::uint32_t events) {
  return impl_->monitor(endpoint, events);
}
void Socket::set_monitor_callback(std::function<void(const MonitorEvent&)> callback,
                                  std::uint32_t events) {
  if (impl_->closed_) return;
  impl_->core_->set_monitor_callback(std::move(callback), events);
}
DropCounts Socket::drop_counts() const {
  return impl_->core_->drop_counts();
}
SocketStats Socket::stats() const {
  return impl_->core_->stats();
}
std::string Socket::last_endpoint() const {
  return impl_->last_endpoint_;
}

absl::Status Socket::send(Message&& m, Flags flags) {
  if (m.empty()) return absl::InvalidArgumentError("send: a message needs at least one frame");
  SocketImpl& s = *impl_;
  std::optional<Clock::time_point> deadline;
  bool deadline_set = false;
  while (true) {
    const std::uint64_t seen = s.core_->generation();
    absl::Status st = s.try_send(m);
    if (!absl::IsUnavailable(st)) return st;
    if (flags == Flags::kDontwait || s.options_.sndtimeo == 0) return st;
    if (!deadline_set) {
      deadline = deadline_after(s.options_.sndtimeo);
      deadline_set = true;
    }
    if (!s.core_->wait(seen, deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("send: no peer could take the message within ", s.options_.sndtimeo, " ms"));
    }
  }
}

absl::StatusOr<Message> Socket::recv(Flags flags) {
  SocketImpl& s = *impl_;
  Message m;
  std::optional<Clock::time_point> deadline;
  bool deadline_set = false;
  while (true) {
    const std::uint64_t seen = s.core_->generation();
    absl::Status st = s.try_recv(m);
    if (st.ok()) return m;
    if (!absl::IsUnavailable(st)) return st;
    if (flags == Flags::kDontwait || s.options_.rcvtimeo == 0) return st;
    if (!deadline_set) {
      deadline = deadline_after(s.options_.rcvtimeo);
      deadline_set = true;
    }
    if (!s.core_->wait(seen, deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("recv: no message within ", s.options_.rcvtimeo, " ms"));
    }
  }
}

absl::Status Socket::set(Option option, std::int64_t value) {
  if (impl_->closed_) return absl::FailedPreconditionError("set on a closed socket");
  absl::Status status = impl_->options_.set(option, value);
  if (status.ok() && option == Option::kMaxmsgsize && value < 0) {
    impl_->core_->log(
        "bossa socket: warning: maxmsgsize -1: inbound messages of any size are accepted, so a "
        "peer can make this process hold as much memory as it sends in one message");
  }
  return status;
}

absl::Status Socket::set(Option option, std::string_view value) {
  if (option == Option::kSubscribe || option == Option::kUnsubscribe) {
    return impl_->subscribe(option == Option::kSubscribe, value);
  }
  if (impl_->closed_) return absl::FailedPreconditionError("set on a closed socket");
  if (option == Option::kConnectRoutingId && type() != SocketType::kStream) {
    return absl::UnimplementedError("connect_routing_id applies to STREAM sockets only");
  }
  return impl_->options_.set(option, value);
}

absl::StatusOr<std::int64_t> Socket::get_int(Option option) const {
  if (option == Option::kType) return static_cast<std::int64_t>(type());
  return impl_->options_.get_int(option);
}

absl::StatusOr<std::string> Socket::get_string(Option option) const {
  if (option == Option::kLastEndpoint) return impl_->last_endpoint_;
  return impl_->options_.get_string(option);
}

namespace {

struct AsyncOp : std::enable_shared_from_this<AsyncOp> {
  bool is_send;
  SocketImpl* impl;
  std::weak_ptr<int> alive;
  std::shared_ptr<SocketCore> core;
  std::function<void(absl::Status, Message)> done;
  std::function<void(std::function<void()>)> reschedule;
  Message m;

  void run() {
    if (alive.expired()) {
      done(absl::CancelledError("the socket was destroyed"), std::move(m));
      return;
    }
    const std::uint64_t seen = core->generation();
    absl::Status s = is_send ? impl->try_send(m) : impl->try_recv(m);
    if (!absl::IsUnavailable(s)) {
      done(std::move(s), std::move(m));
      return;
    }
    auto self = shared_from_this();
    core->add_async_waiter(seen, [self] { self->reschedule([self] { self->run(); }); });
  }
};

}  // namespace

void Socket::async_op(bool is_send, std::function<void(absl::Status, Message)> done,
                      std::function<void(std::function<void()>)> reschedule, Message m) {
  auto op = std::make_shared<AsyncOp>();
  op->is_send = is_send;
  op->impl = impl_.get();
  op->alive = impl_->alive_;
  op->core = impl_->core_;
  op->done = std::move(done);
  op->reschedule = std::move(reschedule);
  op->m = std::move(m);
  if (is_send && op->m.empty()) {
    op->done(absl::InvalidArgumentError("send: a message needs at least one frame"), Message());
    return;
  }
  op->run();
}

}  // namespace bossa::socket
