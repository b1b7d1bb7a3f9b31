// The wire envelope: what one bossa node sends another for every message, signal, request and
// reply. Schema: serialization/envelope.capnp; docs/wire-protocol.md explains every field.
//
// One Cap'n Proto message in the flat (unpacked) stream format of capnp/serialize.h, integers
// little-endian:
//   (4 bytes)        N - 1, where N is the number of segments (1 <= N <= 512)
//   (4 bytes x N)    size of each segment, in 8-byte words
//   (0 or 4 bytes)   zero padding, so that the segments start on an 8-byte boundary
//   (8 bytes x sum)  the segments, the first starting with the root pointer to the Envelope
// Decoding reads exactly one such message and is safe on untrusted bytes: it never crashes, and
// rejects with an InvalidArgument saying what was wrong anything that is not a whole number of
// words, is truncated, has trailing bytes, or breaks a DecodeLimit.
//
// Thread-safety: free functions; what they keep per thread (reused_envelope.h) is its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "serialization/decode_limits.h"
#include "serialization/value.capnp.h"

namespace bossa {

// A process id on the wire (envelope.capnp struct Pid).
struct WirePid {
  uint32_t node = 0;
  uint64_t serial = 0;

  friend bool operator==(const WirePid&, const WirePid&) = default;
};

// What an envelope carries. These numbers are wire numbers (envelope.capnp enum Kind): they never
// change, and new kinds are only ever appended.
enum class EnvelopeKind : uint8_t {
  kUser = 0,
  kExit = 1,
  kDown = 2,
  kLink = 3,
  kUnlink = 4,
  kMonitor = 5,
  kDemonitor = 6,
  kRequest = 7,
  kReply = 8,
  kSystem = 9,
  kLinkExit = 10,
  kPause = 11,
  kResume = 12,
};
inline constexpr EnvelopeKind kLastEnvelopeKind = EnvelopeKind::kResume;

// "user", "exit", ...; "unknown" for a value outside the table.
std::string_view envelope_kind_name(EnvelopeKind kind);

struct Envelope {
  WirePid to;
  WirePid from;
  EnvelopeKind kind = EnvelopeKind::kUser;
  uint64_t correlation_id = 0;  // pairs a reply with its request; 0 when unused
  // Wire type id of the payload (CodecRegistry); for kExit, kLinkExit and kDown the data
  // watermark instead (envelope.capnp, typeId).
  uint64_t type_id = 0;
  std::string to_name;  // empty unless addressed by registered name
  std::string payload;  // encoded message bytes

  friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Encodes `envelope` in the flat format above. Precondition: to_name and payload are each smaller
// than 512 MiB (Cap'n Proto's blob limit; a transport's message size limit sits far below it).
std::string encode_envelope(const Envelope& envelope);
// The same for a sender that passes the bytes on at once: calls `use` with them, valid only during
// the call (a small envelope is not copied out of the memory it was built in).
void encode_envelope(const Envelope& envelope, absl::FunctionRef<void(std::string_view)> use);
// The same with the message written by `write_value` into the envelope's `value` in place (one
// Cap'n Proto message for both; envelope.payload is not used). InvalidArgument, and no call of
// `use`, if `write_value` throws (a value over Cap'n Proto's size limits).
absl::Status encode_envelope(const Envelope& envelope,
                             absl::FunctionRef<void(wire::Value::Builder)> write_value,
                             absl::FunctionRef<void(std::string_view)> use);

// Decodes one envelope from `bytes` under `limits`. `bytes` need not be aligned in memory. A
// message carried as a value comes back as payload bytes (a flat message whose root is that Value).
absl::StatusOr<Envelope> decode_envelope(std::string_view bytes, const DecodeLimits& limits = {});

// An envelope read in place: to_name, payload and value point into the bytes being read.
struct EnvelopeView {
  WirePid to;
  WirePid from;
  EnvelopeKind kind = EnvelopeKind::kUser;
  uint64_t correlation_id = 0;
  uint64_t type_id = 0;
  std::string_view to_name;
  std::string_view payload;
  std::optional<wire::Value::Reader> value;  // set when the message travels as a value
};

// Decodes one envelope as decode_envelope does, without copying its name and payload, and calls
// `use` with it; the view is valid only during that call. Returns the decoding error, or what
// `use` returns.
absl::Status read_envelope(std::string_view bytes, const DecodeLimits& limits,
                           absl::FunctionRef<absl::Status(const EnvelopeView&)> use);
// read_envelope reads an envelope laid out as bossa writes it straight from its words
// (serialization/direct_envelope_reader.h) and any other through Cap'n Proto's reader; this one
// reads every envelope through Cap'n Proto's reader, with the same results. For tests that compare
// the two.
absl::Status read_envelope_with_capnp(std::string_view bytes, const DecodeLimits& limits,
                                      absl::FunctionRef<absl::Status(const EnvelopeView&)> use);

}  // namespace bossa
