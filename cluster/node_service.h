// The node service: the one actor every node runs at the well-known pid <node.1>, through which
// other nodes reach this one's registered functions and factories, and which keeps the node's
// watch lists.
//
// It answers RpcCall (as a request: with the function's result or an ErrorReply; as a plain
// message: runs it and forgets the result) and SpawnRequest (with the new pid). Each rpc runs in
// an actor of its own, so a slow or blocking function holds up nobody else; factories run in the
// service itself and must be quick. It also fans node up / down out to the actors that asked
// (MonitorNodes), releases a global name when the actor holding it stops (WatchName), and ends
// the global-name watches of an actor that stops (WatchNameWatcher).
#pragma once

#include <cstdint>
#include <string>

#include "cluster/global_names.h"
#include "cluster/remote_functions.h"
#include "runtime/evented_actor.h"
#include "transport/transport.h"

namespace bossa {

// The serial of the node service on every node: the first actor a node spawns.
inline constexpr uint64_t kNodeServiceSerial = 1;

// To the service: start (on) or stop sending `subscriber` NodeUp / NodeDown messages.
struct MonitorNodes {
  Pid subscriber;
  bool on = true;
};

// To the service: a node came up or went down.
struct NodeChanged {
  transport::NodeIdentity node;
  bool up = false;
  std::string reason;
  transport::DeliveryTally tally;  // down: what this node sent it
};

// To the service: release global name `name` when `pid` stops (on), or no longer (off).
struct WatchName {
  std::string name;
  Pid pid;
  bool on = true;
};

// To the service: end every watch of global names (GlobalNames::watch) of `watcher` when it
// stops.
struct WatchNameWatcher {
  Pid watcher;
};

// The service's behavior; `functions` and `names` must outlive the actor.
Behavior node_service(EventedActor& self, const RemoteFunctions& functions, GlobalNames& names);

}  // namespace bossa
