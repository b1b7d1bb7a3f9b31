// Reading an envelope straight from its words when it is laid out the way bossa writes it: the
// hot path of remote receives. Internal to serialization/ (read_envelope uses it, and falls back
// to Cap'n Proto's reader for everything this declines).
//
// It takes one aligned segment whose root pointer, pid pointers and value pointer are struct
// pointers within the segment, whose payload is absent or a byte list within the segment, with no
// name, and a value (if any) whose pointers are all null: a scalar (bool, integer, float, none).
// Every offset and size is checked against the segment before it is followed, so untrusted bytes
// are safe. What it accepts, it reads exactly as Cap'n Proto's reader would under the same limits
// (serialization/envelope_test.cc and fuzz_envelope_decode compare the two on mutated input);
// anything else, including every malformed input, is declined and left to Cap'n Proto, which
// gives the error.
//
// Thread-safety: a free function without shared state.
#pragma once

#include <optional>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "serialization/decode_limits.h"
#include "serialization/envelope.h"

namespace bossa::direct_envelope_reader {

// Calls `use` with the envelope in `bytes` and returns what it returns, or returns nullopt without
// calling it when the envelope is not in the layout above. The view is valid only during the call.
std::optional<absl::Status> read(std::string_view bytes, const DecodeLimits& limits,
                                 absl::FunctionRef<absl::Status(const EnvelopeView&)> use);

}  // namespace bossa::direct_envelope_reader
