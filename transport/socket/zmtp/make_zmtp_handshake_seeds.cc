// Writes the seed corpus of fuzz_zmtp_handshake into the folder named by its argument:
//
//   make_zmtp_handshake_seeds transport/socket/zmtp/fuzz_zmtp_handshake_corpus
//
// For each peer under test it runs that peer exactly as the fuzzer does (same deterministic
// randomness, same calls in the same order) against a genuine peer of its own, and records what
// the genuine peer sends: so every WELCOME, INITIATE, READY and MESSAGE box in a seed opens in the
// fuzzer. After a CURVE handshake the seed goes on with MESSAGE boxes: a short message, a
// multipart one, an empty frame, a PING command inside a box, and a frame of 1,000 octets. Each
// seed is replayed as the fuzzer runs it, to check that its boxes open there.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/fuzz_handshake_support.h"
#include "transport/socket/zmtp/mechanism.h"

namespace {

using namespace bossa::zmtp;

// A peer of our own, drawing from the generator's own random stream.
struct Genuine {
  std::unique_ptr<Mechanism> m;
  template <class F>
  auto run(F f) {
    fuzz::use_fuzz_stream(1);
    auto r = f(*m);
    fuzz::use_fuzz_stream(0);
    return r;
  }
};

// Appends MESSAGE boxes from `sender`, whose handshake is done; false when one was not sealed.
bool append_messages(Mechanism& sender, std::string& seed) {
  std::string ping;
  append_ping(ping, 10, "ctx");
  const std::pair<std::string, std::uint8_t> frames[] = {
      {"hello", 0},
      {"part one", kFlagMore},
      {"", kFlagMore},
      {"part three", 0},
      {ping.substr(2), kFlagCommand},
      {std::string(1000, 'x'), 0},  // a long frame header
  };
  fuzz::use_fuzz_stream(1);
  bool sealed = true;
  for (const auto& [payload, flags] : frames)
    sealed = sealed && sender.encode_frame(payload, flags, seed).ok();
  fuzz::use_fuzz_stream(0);
  return sealed;
}

// The seed for `pick`: its first octet, then everything the genuine peer sends, up to `stop`
// commands (0: all, then MESSAGE boxes once the handshake is done).
std::string make_seed(int pick, std::size_t stop) {
  fuzz::reset_fuzz_random();
  std::string seed(1, static_cast<char>(pick));
  std::unique_ptr<Mechanism> m = fuzz::make_fuzz_mechanism(pick, pick % 2 == 0);
  if (pick == fuzz::kCurveServerDone) {
    std::unique_ptr<Mechanism> client = fuzz::complete_handshake(*m);
    if (!client || !append_messages(*client, seed)) return {};
    return seed;
  }
  std::string to_peer, to_m;
  m->start(to_peer);
  fuzz::use_fuzz_stream(1);
  Genuine peer{fuzz::make_fuzz_mechanism(pick, pick % 2 != 0)};
  peer.m->start(to_m);
  fuzz::use_fuzz_stream(0);
  std::size_t sent = 0;
  for (int round = 0; round < 6 && !(m->done() && peer.m->done()); ++round) {
    std::string_view in = to_m;
    FrameDecoder d(FrameLimits{});
    while (!in.empty()) {
      auto f = d.next(in);
      if (!f.ok() || !f->has_value()) return {};
      const std::string_view body = (*f)->body;
      // The frame as it was on the wire.
      const std::size_t wire = (*f)->header.header_size + body.size();
      seed.append(body.data() - (*f)->header.header_size, wire);
      if (stop != 0 && ++sent == stop) return seed;
      auto c = parse_command(body);
      if (!c.ok() || !fuzz::feed_command(*m, *c, to_peer, true)) return {};
    }
    to_m.clear();
    if (!peer.run([&](Mechanism& p) { return fuzz::feed_commands(p, to_peer, to_m, true); })) {
      return {};
    }
    to_peer.clear();
  }
  if (!m->done() || !peer.m->done()) return {};
  if (m->transforms_frames() && !append_messages(*peer.m, seed)) return {};
  return seed;
}

// Runs `seed` as the fuzzer does; how many boxes opened after the handshake, or -1 when a
// command was refused or the handshake did not finish.
int replay(std::string_view seed, bool complete) {
  fuzz::reset_fuzz_random();
  const int pick = seed[0];
  std::unique_ptr<Mechanism> m = fuzz::make_fuzz_mechanism(pick, pick % 2 == 0);
  if (pick == fuzz::kCurveServerDone && !fuzz::complete_handshake(*m)) return -1;
  std::string out, scratch;
  m->start(out);
  seed.remove_prefix(1);
  FrameDecoder decoder(FrameLimits{1 << 20, 1 << 20});
  int opened = 0;
  while (!seed.empty()) {
    auto f = decoder.next(seed);
    if (!f.ok() || !f->has_value()) return -1;
    if (m->done() && m->transforms_frames()) {
      std::uint8_t flags = 0;
      if (!m->decode_frame((*f)->body, scratch, flags).ok()) return -1;
      ++opened;
      continue;
    }
    auto c = parse_command((*f)->body);
    if (!c.ok() || !fuzz::feed_command(*m, *c, out, true)) return -1;
  }
  return complete && !m->done() ? -1 : opened;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus folder>\n", argv[0]);
    return 2;
  }
  fuzz::install_fuzz_random();
  struct Seed {
    const char* name;
    int pick;
    std::size_t stop;
  };
  const Seed seeds[] = {
      {"plain_server_hello", fuzz::kPlainServer, 1},
      {"plain_server_full", fuzz::kPlainServer, 0},
      {"plain_client_welcome", fuzz::kPlainClient, 1},
      {"plain_client_full", fuzz::kPlainClient, 0},
      {"curve_server_hello", fuzz::kCurveServer, 1},
      {"curve_server_initiate", fuzz::kCurveServer, 2},
      {"curve_server_full", fuzz::kCurveServer, 0},
      {"curve_client_welcome", fuzz::kCurveClient, 1},
      {"curve_client_ready", fuzz::kCurveClient, 2},
      {"curve_client_full", fuzz::kCurveClient, 0},
      {"curve_message", fuzz::kCurveServerDone, 0},
  };
  for (const Seed& s : seeds) {
    const auto run = [&](std::string_view seed) { return replay(seed, s.stop == 0); };
    if (!fuzz::write_seed(argv[1], s.name, make_seed(s.pick, s.stop), run)) return 1;
  }
  return 0;
}
