// The message types of the outside-clients example: a price lookup and its quote, registered as
// "outside.lookup" and "outside.quote". BOSSA_MESSAGE gives them codecs that write a tuple of the
// fields and name them, so a client outside the cluster writes them as JSON objects:
//
//   {"sku": "tea", "count": 3}   ->   {"sku": "tea", "count": 3, "total_cents": 1350}
#pragma once

#include <cstdint>
#include <string>

#include "serialization/message_codec.h"

namespace bossa::outside_example {

struct Lookup {
  std::string sku;
  int32_t count = 0;
};

struct Quote {
  std::string sku;
  int32_t count = 0;
  int64_t total_cents = 0;
};

}  // namespace bossa::outside_example

BOSSA_MESSAGE(bossa::outside_example::Lookup, sku, count);
BOSSA_MESSAGE(bossa::outside_example::Quote, sku, count, total_cents);
