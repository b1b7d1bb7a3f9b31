// The remote benchmark cases between actors on two bossa nodes in two processes
// (bench/common/remote_bench_main.h), over whichever transport a BossaRemoteSetup chooses:
// bench_bossa_remote runs them over native (remote_thr, remote_lat without security, and
// remote_thr_curve, remote_lat_curve with CURVE), bench_bossa_amqp over amqp (amqp_thr, amqp_lat).
// Results are printed with impl "bossa".
//
//   *_thr  a ScopedActor on the peer node sends the sequence 0, 1, 2, ... to the actor registered
//          as global name "bench.sink" on the measuring node, which times the first to the last
//          arrival and checks the order.
//   *_lat  a ScopedActor on the measuring node bounces one int64 off the actor registered as
//          "bench.echo" on the peer node.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cluster/node.h"
#include "cluster/node_config.h"

namespace bossa::bench {

struct BossaRemoteSetup {
  std::string_view thr_bench;  // result names: "remote_thr" / "remote_lat", ...
  std::string_view lat_bench;
  // What the peer needs to join the measuring node (its endpoint, say), told by the measuring
  // node before the peer starts.
  std::string (*contact)(Node& measuring);
  // The config of node `name`; `contact` is empty on the measuring node.
  NodeConfig (*config)(const std::string& name, const std::string& contact);
  std::uint64_t (*messages)();  // how many messages *_thr sends
};

class PeerProcess;

// The key pair both nodes of a CURVE case share: written once, as first asked for, by the
// measuring process into a temporary directory of its own that goes when the process exits; the
// peer is told the file. Throws std::runtime_error if it cannot be written.
const std::string& shared_key_file();

// Makes `config` CURVE with the key pair in the file at `key_file`; throws if it cannot be read.
// A seed without a key is then expected to hold this same key pair.
void use_key_file(NodeConfig& config, const std::string& key_file);

// Waits, in bounded steps (checking `peer`, if not null, now and then), until global name `name`
// is known on `node`; throws std::runtime_error if it has not appeared in 30 s.
Pid await_global(Node& node, const std::string& name, PeerProcess* peer);

// The program: remote_bench_main with the two cases of each of `setups` (at most
// kMaxRemoteSetups, in that order) and their peer roles.
inline constexpr size_t kMaxRemoteSetups = 2;
int bossa_remote_bench_main(int argc, char** argv, std::span<const BossaRemoteSetup> setups);

}  // namespace bossa::bench
