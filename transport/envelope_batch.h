// Envelope batches: several envelopes (serialization/envelope.h) in one byte string, so that a
// transport under load moves many in one message (the native backend's kData frame, the amqp
// backend's node-to-node messages).
//
// Each envelope is an 8-octet little-endian length, the envelope, and zero octets up to a multiple
// of 8, so that every envelope keeps the word alignment Cap'n Proto reads in place. Reading is
// safe on untrusted bytes. Free functions without shared state.
#pragma once

#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace bossa::transport {

// Appends one envelope to `batch`.
void append_to_batch(std::string& batch, std::string_view envelope);

// Calls `use` with each envelope of `batch`, in order. InvalidArgument (and no further calls) at
// the first length that overruns the batch.
absl::Status for_each_in_batch(std::string_view batch,
                               absl::FunctionRef<void(std::string_view envelope)> use);

}  // namespace bossa::transport
