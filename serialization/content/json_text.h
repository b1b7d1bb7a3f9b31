// JSON text in and out, for bodies from outside the cluster (nlohmann::json underneath).
//
//   absl::StatusOr<nlohmann::json> doc = parse_json(body, limits);
//   std::string text = dump_json(*doc);
//
// parse_json takes untrusted text: longer than limits.max_bytes is refused before parsing,
// arrays and objects nested deeper than limits.nesting_limit are refused (the parser does not
// recurse, so depth costs no stack), and malformed text is InvalidArgument naming the byte where
// it went wrong. It never throws. dump_json writes compact JSON; bytes that are not UTF-8 in a
// string become U+FFFD rather than an error. Free functions without shared state.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "serialization/decode_limits.h"

namespace bossa::content {

absl::StatusOr<nlohmann::json> parse_json(std::string_view text, const DecodeLimits& limits);

std::string dump_json(const nlohmann::json& value);

}  // namespace bossa::content
