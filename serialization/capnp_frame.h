// Reading and writing one Cap'n Proto message in the flat (unpacked) stream format of
// capnp/serialize.h, with bossa's DecodeLimits and Status errors. The byte layout is specified in
// serialization/envelope.h. Internal to serialization/: the envelope and the Value codecs use it.
//
// Thread-safety: free functions without shared state, but for ScratchBuilder's space, which is
// each thread's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <capnp/message.h>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "serialization/decode_limits.h"

namespace bossa::capnp_frame {

// Checks the framing of `bytes` without parsing the message: non-empty, a whole number of words, no
// larger than limits.max_bytes, a segment table that fits, segments that exactly fill the rest.
// Returns InvalidArgument naming the first problem.
absl::Status check(std::string_view bytes, const DecodeLimits& limits);

// Checks the framing, then calls `read` with a reader over `bytes` that enforces the traversal and
// nesting limits. `bytes` need not be aligned (unaligned input is copied once). Any Cap'n Proto
// error raised by `read` (malformed pointers, limits exceeded, out-of-bounds data) becomes
// InvalidArgument. Errors are prefixed with `what` (e.g. "envelope").
absl::Status read(std::string_view bytes, const DecodeLimits& limits, absl::string_view what,
                  absl::FunctionRef<absl::Status(capnp::MessageReader&)> read);

// Runs `read`, which reads a Cap'n Proto message, with read()'s error handling: a Cap'n Proto
// error it raises becomes InvalidArgument, and every error it returns is prefixed with `what`.
absl::Status guard(absl::string_view what, absl::FunctionRef<absl::Status()> read);

// The flat format of `message` without a copy when it is one segment that starts in the word after
// `table` (memory the caller gave the message): the segment table is written into that word and
// the view covers both. Any other message is written into `spill`. Valid while the message and
// `spill` are unchanged.
std::string_view flat_in_place(capnp::MessageBuilder& message, capnp::word* table,
                               std::string& spill);

// Serializes `message` in the flat format into one string (a single copy of its segments).
std::string write(capnp::MessageBuilder& message);
// The same into `out`, replacing what it held and reusing its memory.
void write(capnp::MessageBuilder& message, std::string& out);

// A message builder for one message that fits in `words` (or grows past them): its first segment
// is this thread's reusable scratch space when that is free and large enough, so that building a
// small message neither allocates nor zeroes memory; otherwise (a message built while another is
// being built on this thread, or a larger one) it allocates as usual. Use it as a local variable.
class ScratchBuilder {
 public:
  explicit ScratchBuilder(size_t words);
  ScratchBuilder(const ScratchBuilder&) = delete;
  ScratchBuilder& operator=(const ScratchBuilder&) = delete;
  ~ScratchBuilder();

  capnp::MallocMessageBuilder& message() { return *message_; }

  // The message in the flat format, valid while this builder lives and the message is unchanged.
  // A message that stayed within the scratch space is not copied: the segment table is written
  // in the word before it.
  std::string_view flat();

 private:
  bool uses_scratch_ = false;
  std::optional<capnp::MallocMessageBuilder> message_;
  std::string written_;  // flat() of a message outside the scratch space
};

}  // namespace bossa::capnp_frame
