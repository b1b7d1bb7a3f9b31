#include "transport/socket/zmtp/command.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::zmtp {
namespace {

std::uint32_t read_big32(std::string_view s) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(s[i]);
  return v;
}

void append_big32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Appends a command frame whose body is name-size, name, then the concatenation of `parts`.
void append_command_parts(std::string& out, std::string_view name,
                          std::initializer_list<std::string_view> parts) {
  std::uint64_t size = 1 + name.size();
  for (std::string_view p : parts) size += p.size();
  std::uint8_t header[kMaxHeaderSize];
  out.append(reinterpret_cast<const char*>(header), write_frame_header(header, size, kFlagCommand));
  out.push_back(static_cast<char>(name.size()));
  out.append(name);
  for (std::string_view p : parts) out.append(p);
}

}  // namespace

absl::StatusOr<Command> parse_command(std::string_view body) {
  if (body.empty()) return absl::InvalidArgumentError("ZMTP command: empty command frame");
  const std::size_t name_size = static_cast<std::uint8_t>(body[0]);
  if (name_size == 0) return absl::InvalidArgumentError("ZMTP command: empty command name");
  if (body.size() < 1 + name_size) {
    return absl::InvalidArgumentError(absl::StrCat("ZMTP command: name size ", name_size,
                                                   " overruns the ", body.size(), "-octet frame"));
  }
  return Command{body.substr(1, name_size), body.substr(1 + name_size)};
}

absl::StatusOr<Command> parse_handshake_command(std::string_view body) {
  constexpr std::string_view kLibzmqPlainError =
      "\x5e"
      "RROR";
  if (body.starts_with(kLibzmqPlainError) && body.size() < 1 + 0x5eu) {
    return Command{kError, body.substr(kLibzmqPlainError.size())};
  }
  return parse_command(body);
}

absl::StatusOr<Metadata> parse_metadata(std::string_view data) {
  Metadata md;
  while (!data.empty()) {
    const std::size_t name_size = static_cast<std::uint8_t>(data[0]);
    if (name_size == 0) return absl::InvalidArgumentError("ZMTP metadata: empty property name");
    if (data.size() < 1 + name_size + 4) {
      return absl::InvalidArgumentError("ZMTP metadata: property truncated");
    }
    std::string_view name = data.substr(1, name_size);
    const std::uint32_t value_size = read_big32(data.substr(1 + name_size));
    data.remove_prefix(1 + name_size + 4);
    if (value_size > data.size()) {
      return absl::InvalidArgumentError(absl::StrCat("ZMTP metadata: value of '", std::string(name),
                                                     "' is ", value_size, " octets, only ",
                                                     data.size(), " remain"));
    }
    md.emplace_back(std::string(name), std::string(data.substr(0, value_size)));
    data.remove_prefix(value_size);
  }
  return md;
}

std::optional<std::string_view> find_property(const Metadata& metadata, std::string_view name) {
  for (const auto& [n, v] : metadata) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

absl::StatusOr<Ping> parse_ping(std::string_view data) {
  if (data.size() < kPingTtlSize || data.size() > kPingTtlSize + kPingContextMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZMTP PING: ", data.size(), " octets of data, expected 2 to 18"));
  }
  Ping p;
  p.ttl_deciseconds = static_cast<std::uint16_t>((static_cast<std::uint8_t>(data[0]) << 8) |
                                                 static_cast<std::uint8_t>(data[1]));
  p.context = data.substr(kPingTtlSize);
  return p;
}

absl::StatusOr<std::string_view> parse_pong(std::string_view data) {
  if (data.size() > kPingContextMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZMTP PONG: context of ", data.size(), " octets, at most 16 allowed"));
  }
  return data;
}

absl::StatusOr<std::string_view> parse_error(std::string_view data) {
  if (data.empty() || data.size() != 1u + static_cast<std::uint8_t>(data[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZMTP ERROR: reason size does not match the ", data.size(), "-octet data"));
  }
  return data.substr(1);
}

void append_command(std::string& out, std::string_view name, std::string_view data) {
  append_command_parts(out, name, {data});
}

std::string encode_metadata(const Metadata& metadata) {
  std::string props;
  for (const auto& [name, value] : metadata) {
    props.push_back(static_cast<char>(name.size()));
    props.append(name);
    append_big32(props, static_cast<std::uint32_t>(value.size()));
    props.append(value);
  }
  return props;
}

void append_ready(std::string& out, const Metadata& metadata) {
  append_command_parts(out, kReady, {encode_metadata(metadata)});
}

void append_error(std::string& out, std::string_view reason) {
  reason = reason.substr(0, 255);
  const char size = static_cast<char>(reason.size());
  append_command_parts(out, kError, {std::string_view(&size, 1), reason});
}

void append_subscribe(std::string& out, std::string_view topic) {
  append_command_parts(out, kSubscribe, {topic});
}

void append_cancel(std::string& out, std::string_view topic) {
  append_command_parts(out, kCancel, {topic});
}

void append_ping(std::string& out, std::uint16_t ttl_deciseconds, std::string_view context) {
  context = context.substr(0, kPingContextMax);
  const char ttl[2] = {static_cast<char>(ttl_deciseconds >> 8), static_cast<char>(ttl_deciseconds)};
  append_command_parts(out, kPing, {std::string_view(ttl, 2), context});
}

void append_pong(std::string& out, std::string_view context) {
  append_command_parts(out, kPong, {context.substr(0, kPingContextMax)});
}

}  // namespace bossa::zmtp
