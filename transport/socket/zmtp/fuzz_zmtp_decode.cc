// libFuzzer target over the ZMTP decoders: greeting, streaming frames, commands, metadata.
//
// The first octet picks how the rest is cut into reads, so split headers and bodies are explored
// too. Any crash, leak or sanitizer report is a bug: untrusted octets must only ever yield a
// Status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/greeting.h"
#include "transport/socket/zmtp/mechanism.h"
#include "transport/socket/zmtp/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bossa::zmtp;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  (void)check_greeting_prefix(input.substr(0, kGreetingSize));
  (void)decode_greeting(input);

  FrameDecoder decoder(FrameLimits{1 << 20, 4096});
  auto mechanism = make_null_mechanism({{"Socket-Type", "DEALER"}});
  std::string out;
  while (!input.empty()) {
    std::string_view piece = input.substr(0, chunk);
    input.remove_prefix(piece.size());
    while (!piece.empty()) {
      auto frame = decoder.next(piece);
      if (!frame.ok()) return 0;
      if (!frame->has_value()) break;
      const DecodedFrame& f = **frame;
      if (!f.header.command()) continue;
      auto command = parse_command(f.body);
      if (!command.ok()) continue;
      (void)parse_ping(command->data);
      (void)parse_pong(command->data);
      (void)parse_error(command->data);
      if (auto md = parse_metadata(command->data); md.ok()) (void)find_property(*md, "Identity");
      (void)mechanism->on_command(*command, out);
    }
  }
  return 0;
}
