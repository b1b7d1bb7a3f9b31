#include "transport/socket/transports/inproc.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/socket_core.h"

namespace bossa::socket {
namespace {

std::size_t sum_hwm(std::int64_t snd, std::int64_t rcv) {
  return snd == 0 || rcv == 0 ? 0 : static_cast<std::size_t>(snd + rcv);
}

absl::Status incompatible(const std::string& name, SocketType a, SocketType b) {
  return absl::InvalidArgumentError(
      absl::StrCat("inproc://", name, ": a ", std::string(zmtp::socket_type_name(a)),
                   " socket cannot talk to a ", std::string(zmtp::socket_type_name(b)), " socket"));
}

// The two queues between a binder and a connector, each waking its reader's and its writer's
// socket: {to the binder, to the connector}.
std::pair<std::shared_ptr<MessageQueue>, std::shared_ptr<MessageQueue>> cross_queues(
    std::size_t to_binder_limit, std::size_t to_connector_limit,
    const std::shared_ptr<SocketWaker>& binder_waker,
    const std::shared_ptr<SocketWaker>& connector_waker) {
  auto to_binder = std::make_shared<MessageQueue>(to_binder_limit);
  auto to_connector = std::make_shared<MessageQueue>(to_connector_limit);
  to_binder->set_reader_listener(binder_waker);
  to_binder->set_writer_listener(connector_waker);
  to_connector->set_reader_listener(connector_waker);
  to_connector->set_writer_listener(binder_waker);
  return {std::move(to_binder), std::move(to_connector)};
}

// What both ends of a pairing share for the accounting of messages left when both let go
// (PipeLink::finish_side); seen from the binder.
std::shared_ptr<PipeLink> make_link(std::shared_ptr<MessageQueue> to_binder,
                                    std::shared_ptr<MessageQueue> to_connector) {
  auto link = std::make_shared<PipeLink>();
  link->to_socket = std::move(to_binder);
  link->from_socket = std::move(to_connector);
  return link;
}

}  // namespace

absl::StatusOr<std::shared_ptr<Pipe>> InprocRegistry::connect(const std::string& name,
                                                              const InprocSide& side) {
  std::shared_ptr<SocketCore> binder;
  Bound bound_copy;
  {
    MutexLock lock(mu_);
    auto it = bound_.find(name);
    if (it != bound_.end()) {
      binder = it->second.core.lock();
      bound_copy = it->second;
    }
    if (binder && !zmtp::socket_types_compatible(side.type, bound_copy.type)) {
      return incompatible(name, side.type, bound_copy.type);
    }
    if (!binder) {
      // Queue until the bind: the binder's end waits in the registry.
      auto binder_waker = std::make_shared<SocketWaker>(std::weak_ptr<SocketCore>());
      auto [to_binder, to_connector] =
          cross_queues(sum_hwm(side.sndhwm, 1000), sum_hwm(1000, side.rcvhwm), binder_waker,
                       std::make_shared<SocketWaker>(side.core));
      auto mine = std::make_shared<Pipe>(side.core->next_pipe_id(), to_connector, to_binder);
      auto link = make_link(to_binder, to_connector);
      mine->set_link(link);
      Pending p{name,         side,      side.core,    mine->id(),
                binder_waker, to_binder, to_connector, std::move(link)};
      p.connector.core = nullptr;  // held weakly through connector_core
      pending_.push_back(std::move(p));
      return mine;
    }
  }
  auto [to_binder, to_connector] =
      cross_queues(sum_hwm(side.sndhwm, bound_copy.rcvhwm), sum_hwm(bound_copy.sndhwm, side.rcvhwm),
                   std::make_shared<SocketWaker>(binder), std::make_shared<SocketWaker>(side.core));
  auto mine = std::make_shared<Pipe>(side.core->next_pipe_id(), to_connector, to_binder);
  auto theirs = std::make_shared<Pipe>(binder->next_pipe_id(), to_binder, to_connector);
  auto link = make_link(to_binder, to_connector);
  mine->set_link(link);
  theirs->set_link(std::move(link));
  mine->peer() = PeerInfo{bound_copy.type, bound_copy.routing_id, {}, {}};
  mine->set_ready(true);
  mine->set_inproc_peer(binder, theirs->id());
  theirs->peer() = PeerInfo{side.type, side.routing_id, {}, {}};
  theirs->set_ready(true);
  theirs->set_inproc_peer(side.core, mine->id());
  PipeEvent ev{PipeEvent::Kind::kAttach, theirs->id(), theirs, theirs->peer(), true, {}, 0};
  if (!binder->post(std::move(ev))) {
    // The binder is closing: the pairing never happened.
    return absl::UnavailableError(absl::StrCat("inproc://", name, ": the bound socket is closing"));
  }
  return mine;
}

absl::StatusOr<std::vector<std::shared_ptr<Pipe>>> InprocRegistry::bind(const std::string& name,
                                                                        const InprocSide& side) {
  std::vector<Pending> joined;
  {
    MutexLock lock(mu_);
    auto it = bound_.find(name);
    if (it != bound_.end() && !it->second.core.expired()) {
      return absl::AlreadyExistsError(absl::StrCat("inproc://", name, " is already bound"));
    }
    bound_[name] = Bound{side.core, side.type, side.sndhwm, side.rcvhwm, side.routing_id};
    for (auto p = pending_.begin(); p != pending_.end();) {
      if (p->name == name) {
        joined.push_back(std::move(*p));
        p = pending_.erase(p);
      } else {
        ++p;
      }
    }
  }
  std::vector<std::shared_ptr<Pipe>> pipes;
  for (Pending& p : joined) {
    std::shared_ptr<SocketCore> connector = p.connector_core.lock();
    if (!connector) continue;
    if (!zmtp::socket_types_compatible(side.type, p.connector.type)) {
      side.core->log(incompatible(name, side.type, p.connector.type).ToString());
      if (const std::uint64_t n = p.link->finish_side())
        connector->drop(DropReason::kPipeClosed, n);
      continue;
    }
    p.to_binder->set_limit(sum_hwm(p.connector.sndhwm, side.rcvhwm));
    p.to_connector->set_limit(sum_hwm(side.sndhwm, p.connector.rcvhwm));
    p.binder_waker->retarget(side.core);
    auto theirs = std::make_shared<Pipe>(side.core->next_pipe_id(), p.to_binder, p.to_connector);
    theirs->set_link(p.link);
    theirs->peer() = PeerInfo{p.connector.type, p.connector.routing_id, {}, {}};
    theirs->set_ready(true);
    theirs->set_inproc_peer(connector, p.connector_pipe_id);
    PipeEvent ev{PipeEvent::Kind::kReady,
                 p.connector_pipe_id,
                 nullptr,
                 PeerInfo{side.type, side.routing_id, {}, {}},
                 true,
                 side.core,
                 theirs->id()};
    if (!connector->post(std::move(ev))) {
      if (const std::uint64_t n = p.link->finish_side())
        connector->drop(DropReason::kPipeClosed, n);
      continue;
    }
    pipes.push_back(std::move(theirs));
  }
  return pipes;
}

bool InprocRegistry::is_bound(const std::string& name) {
  MutexLock lock(mu_);
  auto it = bound_.find(name);
  return it != bound_.end() && !it->second.core.expired();
}

void InprocRegistry::unbind(const std::string& name, const SocketCore* core) {
  MutexLock lock(mu_);
  auto it = bound_.find(name);
  if (it != bound_.end() && it->second.core.lock().get() == core) bound_.erase(it);
}

std::uint64_t InprocRegistry::forget(const SocketCore* core) {
  MutexLock lock(mu_);
  absl::erase_if(bound_, [&](const auto& kv) {
    auto c = kv.second.core.lock();
    return c == nullptr || c.get() == core;
  });
  std::uint64_t left = 0;
  std::erase_if(pending_, [&](Pending& p) {
    auto c = p.connector_core.lock();
    if (c == nullptr || c.get() == core) {
      left += p.link->finish_side();
      return true;
    }
    return false;
  });
  return left;
}

}  // namespace bossa::socket
