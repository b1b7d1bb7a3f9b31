// DecodeLimits: the bounds every decoder of untrusted bytes in bossa applies.
//
// A decoder that exceeds a limit stops and returns a Status naming the limit; it never allocates or
// recurses without bound. The defaults admit any message up to 64 MiB; lower them for a connection
// that should only carry small messages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bossa {

struct DecodeLimits {
  // Words (8 bytes each) that reading may visit in total, counted by Cap'n Proto every time a
  // pointer is followed. Bounds "amplification" messages whose pointers alias the same data many
  // times.
  uint64_t traversal_limit_words = uint64_t{8} * 1024 * 1024;
  // Depth of nested structs and lists that reading may enter (Cap'n Proto's nesting limit). One
  // level of std::vector or std::tuple inside a Value costs two levels (the list and its element).
  int nesting_limit = 64;
  // Largest input accepted, in bytes; larger input is rejected before it is parsed.
  size_t max_bytes = size_t{64} * 1024 * 1024;
};

}  // namespace bossa
