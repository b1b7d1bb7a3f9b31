// RemoteRouter: what a Runtime asks of the cluster layer for pids that live on other nodes.
//
// A runtime alone knows only its own node: a message to a pid of another node is a dead letter.
// Once a node joins a cluster it attaches a RemoteRouter (Runtime::set_remote_router), and every
// message, request, reply, exit signal and down message for another node's pid goes through it,
// as do links and monitors that cross nodes.
//
// Thread-safety: every method is called from any thread, concurrently; none may block for long,
// but route() on a thread that may block (Runtime::may_block_here), which waits while the target
// actor's node has paused sends to it (its mailbox is full under policy block).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "runtime/mailbox_element.h"
#include "runtime/pid.h"
#include "runtime/system_messages.h"

namespace bossa {

class RemoteRouter {
 public:
  virtual ~RemoteRouter() = default;

  // Sends `element` towards the node of `to`; the element is consumed whatever happens. A message
  // that cannot leave returns why: its type has no codec (FailedPrecondition), it is larger than
  // the transport carries (InvalidArgument), its node is not up (Unavailable, naming the node; the
  // message is a dead letter too), or the target's full mailbox refuses it (ResourceExhausted,
  // "mailbox full", a dead letter: policy fail, or block for a sender that may not wait). A
  // request that cannot leave is answered with an ErrorReply carrying the reason; one that left
  // is answered with an ErrorReply if its target's node goes down before the reply comes (as an
  // Erlang call fails with nodedown), unless its requester gave up first (request_abandoned).
  virtual absl::Status route(Pid to, ElementPtr element) = 0;

  // `local` has recorded a link to `remote`; the router asks remote's node to record the other
  // half, or to answer with an exit signal (noproc) if `remote` is not alive.
  virtual void link(Pid local, Pid remote) = 0;
  virtual void unlink(Pid local, Pid remote) = 0;
  // `watcher` (local) monitors `target` (remote) under `ref`; a DownMsg comes back when it stops.
  virtual void monitor(Pid watcher, Pid target, MonitorRef ref) = 0;
  virtual void demonitor(Pid watcher, Pid target, MonitorRef ref) = 0;
  // `requester` (local) no longer waits for the reply to its request `correlation` to a remote
  // pid: it timed out, or the requester stopped.
  virtual void request_abandoned(Pid requester, uint64_t correlation) = 0;
};

}  // namespace bossa
