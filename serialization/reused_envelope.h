// Each thread's reusable Cap'n Proto builder for the envelope of a message sent as a value to a
// pid: the hot path of remote sends. Internal to serialization/ (encode_envelope uses it).
//
// The envelope struct, its two pids and its value are allocated once per thread, in a fixed space
// of the thread's own; each message overwrites their fields in place and clears the value's words
// before its codec writes it, so a message costs its setters and no builder, arena or allocation.
// The bytes are the ones encode_envelope's other path writes (a fresh builder whose first segment
// is capnp_frame's ScratchBuilder space), field for field and word for word:
// serialization/envelope_fast_paths_test.cc holds the two to that. A value that takes more space
// (text, lists, structs) is written after the value's struct as a fresh build would write it, and
// the builder is laid out anew after such a message (and after one whose codec or `use` threw).
//
// Thread-safety: each thread has its own; a message encoded while the thread's one is in use (an
// envelope built inside another's callback) uses a fresh builder instead.
#pragma once

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "serialization/envelope.h"
#include "serialization/value.capnp.h"

namespace bossa::reused_envelope {

// Whether this thread's builder is free for `envelope`: it carries a value and no name (a name
// is laid out before the value in a fresh build), and no other envelope is being built with it.
bool available(const Envelope& envelope);

// Encodes `envelope` with the message written by `write_value` into its value, and calls `use`
// with the flat bytes, valid only during the call. Precondition: available(envelope). Errors as
// encode_envelope's: InvalidArgument, and no call of `use`, if `write_value` throws.
absl::Status encode(const Envelope& envelope,
                    absl::FunctionRef<void(wire::Value::Builder)> write_value,
                    absl::FunctionRef<void(std::string_view)> use);

}  // namespace bossa::reused_envelope
