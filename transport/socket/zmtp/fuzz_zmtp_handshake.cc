// libFuzzer target over the PLAIN and CURVE handshakes and CURVE's MESSAGE boxes.
//
// The first octet picks the peer under test (fuzz_handshake_support.h): a PLAIN server or client,
// a CURVE server or client (each started, so in the state that expects the first command), or a
// CURVE server after a genuine handshake, fed MESSAGE bodies; its top bit makes the
// authenticator refuse. The rest is cut into frames by the frame decoder: commands during the
// handshake, MESSAGE boxes after it. libsodium's randomness is a counter rewound per input, so
// the seeds (make_zmtp_handshake_seeds) carry WELCOME, INITIATE, READY and MESSAGE boxes that
// open, and the parsing inside them (vouch, metadata, MESSAGE flags) is reached. Untrusted octets
// must only ever yield a Status.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/fuzz_handshake_support.h"
#include "transport/socket/zmtp/mechanism.h"

using namespace bossa::zmtp;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::install_fuzz_random();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  fuzz::reset_fuzz_random();
  const int pick = (data[0] & 0x7f) % fuzz::kPicks;
  const bool allow = (data[0] & 0x80) == 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool server = pick % 2 == 0;
  std::unique_ptr<Mechanism> m = fuzz::make_fuzz_mechanism(pick, server);
  if (pick == fuzz::kCurveServerDone && !fuzz::complete_handshake(*m)) __builtin_trap();
  std::string out;
  m->start(out);
  FrameDecoder decoder(FrameLimits{1 << 20, 1 << 20});
  std::string scratch;
  while (!input.empty()) {
    auto frame = decoder.next(input);
    if (!frame.ok() || !frame->has_value()) return 0;
    const DecodedFrame& f = **frame;
    if (m->done() && m->transforms_frames()) {
      std::uint8_t flags = 0;
      absl::StatusOr<std::string_view> payload = m->decode_frame(f.body, scratch, flags);
      // A command inside a box is parsed as the engine does.
      if (payload.ok() && (flags & kFlagCommand) != 0) (void)parse_command(*payload);
      continue;
    }
    auto command = parse_handshake_command(f.body);
    if (!command.ok()) continue;
    if (!fuzz::feed_command(*m, *command, out, allow)) return 0;
  }
  return 0;
}
