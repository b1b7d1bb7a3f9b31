// The cluster layer's own message types, and their wire forms (cluster/system.capnp).
//
// Registered on every node under fixed names by add_system_types:
//   "bossa.error"          ErrorReply    a failed reply
//   "bossa.pid"            Pid           the reply to a spawn request
//   "bossa.rpc_call"       RpcCall       a call of a function registered on a node
//   "bossa.spawn_request"  SpawnRequest  a spawn of a factory registered on a node
// Exit signals and down messages travel in envelopes of their own kinds; encode_exit_reason and
// decode_exit_reason give their payloads.
//
// Decoders are safe on untrusted bytes. Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cluster/wire_types.h"
#include "runtime/actor.h"
#include "runtime/exit_reason.h"

namespace bossa {

// Calls `function` on the node whose service process receives it, with `args` (a payload of wire
// type `args_type`). As a request, the reply is the function's result or an ErrorReply.
struct RpcCall {
  std::string function;
  uint64_t args_type = 0;
  std::string args;
};

// Spawns the actor factory registered as `factory` with `args`; the reply is the new Pid.
struct SpawnRequest {
  std::string factory;
  uint64_t args_type = 0;
  std::string args;
};

absl::Status add_system_types(WireTypes& types);

std::string encode_exit_reason(const ExitReason& reason);
absl::StatusOr<ExitReason> decode_exit_reason(std::string_view bytes, const DecodeLimits& limits);

}  // namespace bossa
