// The security-mechanism seam of the ZMTP handshake, and the NULL mechanism (RFC 23 "NULL").
//
// After the greetings, the peers run their mechanism's handshake as command frames; when it is
// done, each knows the other's metadata (Socket-Type, Identity, ...). NULL sends READY with this
// side's metadata and expects READY (or ERROR) back. PLAIN and CURVE plug in as further Mechanism
// classes. One instance per connection; thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "transport/socket/zmtp/command.h"

namespace bossa::zmtp {

class Mechanism {
 public:
  virtual ~Mechanism() = default;

  // The name this mechanism puts in the greeting ("NULL").
  virtual std::string_view name() const = 0;

  // Appends the command frames this side sends once the greetings are exchanged.
  virtual void start(std::string& out) = 0;

  // Handles one command from the peer during the handshake; may append replies to `out`.
  // An error (including a peer ERROR command) means the connection must close.
  virtual absl::Status on_command(const Command& command, std::string& out) = 0;

  // True once the peer's metadata is known and data frames may flow.
  virtual bool done() const = 0;

  // The peer's metadata; meaningful once done().
  virtual const Metadata& peer_metadata() const = 0;
};

// NULL: no security; `own` is this side's metadata for READY.
std::unique_ptr<Mechanism> make_null_mechanism(Metadata own);

}  // namespace bossa::zmtp
