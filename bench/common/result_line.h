// Prints one benchmark result as one JSON object on one line of stdout.
//
// The contract every bossa bench program follows (bench/run_all.py relies on it): each result is a
// line `{"bench":"pingpong","impl":"caf","metric":"round_trips_per_s","value":2100000}` on stdout,
// flushed at once; everything else a program says goes to stderr. `bench` names the workload,
// `impl` the implementation measured ("bossa", "caf", "libzmq"), `metric` what the number is
// (its unit is part of the name: msgs_per_s, round_trip_us, bytes_per_actor). A value that is not
// finite is printed as null, which the collector reports instead of averaging it.
//
// Thread-safety: each call writes its line with one stdio call, so lines from concurrent callers
// do not interleave.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace bossa::bench {

namespace detail {

// Appends `s` as a JSON string literal (quotes included) to `out`.
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace detail

// Writes `{"bench":...,"impl":...,"metric":...,"value":...}` and a newline to stdout and flushes.
inline void print_result(std::string_view bench, std::string_view impl, std::string_view metric,
                         double value) {
  std::string line = "{\"bench\":";
  detail::append_json_string(line, bench);
  line += ",\"impl\":";
  detail::append_json_string(line, impl);
  line += ",\"metric\":";
  detail::append_json_string(line, metric);
  line += ",\"value\":";
  if (std::isfinite(value)) {
    char number[32];
    std::snprintf(number, sizeof number, "%.10g", value);
    line += number;
  } else {
    line += "null";
  }
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace bossa::bench
