// TrustedKeys: the CURVE public keys a node of the native transport admits, kept in the
// Authenticator of its socket context (transport/socket/core/authenticator.h), which refuses
// every other key at the handshake.
//
// The keys are the node's own, the config's trusted_keys and those of the *.pub files in its
// trusted_keys_dir (node_keys.h). The directory is read at start, and again by refresh() when
// its .pub files changed (one added, removed, renamed or written into: their names, sizes and
// modification times differ), looked at every kRefreshInterval: a cluster takes a new node's key,
// or stops taking a revoked one, without a restart (docs/security.md). A directory that cannot be
// read then keeps the keys it had. A key refused later keeps the connections it already made.
//
// Thread-safety: load() before the node starts; refresh() from the receive thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "transport/socket/core/authenticator.h"
#include "transport/transport_config.h"

namespace bossa::transport {

class TrustedKeys {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  static constexpr auto kRefreshInterval = std::chrono::seconds(1);

  // Reads `config`'s keys into `authenticator` (domain ""); `config` outlives it.
  TrustedKeys(const TransportConfig& config, std::shared_ptr<socket::Authenticator> authenticator);

  // The first reading; an error names the directory or file that cannot be read.
  absl::Status load();
  // Reads the directory again if it changed; `log` hears what changed, or why it was not read.
  void refresh(TimePoint now, absl::FunctionRef<void(std::string_view)> log);
  size_t size() const { return size_; }

 private:
  // Reads every key into the authenticator; an error (the directory or one of its files cannot
  // be read) changes nothing.
  absl::Status read();

  const TransportConfig& config_;
  const std::shared_ptr<socket::Authenticator> authenticator_;
  std::string listing_;  // the directory's .pub files as last looked at (trusted_keys.cc)
  TimePoint next_refresh_{};
  size_t size_ = 0;
};

}  // namespace bossa::transport
