// Writes the CURVE seeds of fuzz_stream_engine into the folder named by its argument:
//
//   make_fuzz_stream_engine_seeds transport/socket/transports/fuzz_stream_engine_corpus
//
// A CURVE client's INITIATE and MESSAGE boxes open only against the server's short-term key and
// cookie, which the engine draws from libsodium's randomness. The fuzzer makes that randomness a
// counter rewound before each input (fuzz_handshake_support.h), so this program runs a CURVE
// server mechanism through the same draws (stream 0) against a client of its own (stream 1), and
// records what the client sends: its greeting, HELLO and INITIATE as the first write (after which
// a client waits for the authenticator's READY), then MESSAGE boxes: short, multipart and 40 KiB
// messages, an empty frame, and a PING (and, to an XPUB, a SUBSCRIBE) inside a box. Each seed is
// replayed against a fresh server mechanism, as the engine runs it, to check that every box opens.
// The NULL and PLAIN seeds come from make_fuzz_seeds.py.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/fuzz_handshake_support.h"
#include "transport/socket/zmtp/greeting.h"
#include "transport/socket/zmtp/mechanism.h"

namespace {

using namespace bossa::zmtp;

// fuzz_stream_engine.cc's input: kTypes indices, kPieces index << 3, and its CURVE server.
constexpr std::uint8_t kPull = 0, kRep = 2, kRouter = 3, kXpub = 6;
constexpr std::uint8_t kPiece7 = 4 << 3, kPiece4097 = 11 << 3;
constexpr std::uint8_t kCurveServer = 2;

struct Seed {
  const char* name;
  std::uint8_t selector;
  const char* peer_type;  // the client's Socket-Type
  std::string identity;
  bool envelope;  // REP expects an empty delimiter before each request
};

// A mechanism step run on the random stream `stream`.
template <class F>
auto on_stream(int stream, F f) {
  fuzz::use_fuzz_stream(stream);
  auto r = f();
  fuzz::use_fuzz_stream(0);
  return r;
}

// The command bodies of the frames in `wire`; empty when one does not decode.
std::vector<std::string> bodies(std::string_view wire) {
  std::vector<std::string> out;
  FrameDecoder d(FrameLimits{});
  while (!wire.empty()) {
    auto f = d.next(wire);
    if (!f.ok() || !f->has_value()) return {};
    out.emplace_back((*f)->body);
  }
  return out;
}

// Seals the messages a client sends after its handshake.
bool append_messages(Mechanism& client, const Seed& s, std::string& out) {
  std::vector<std::pair<std::string, std::uint8_t>> frames;
  auto message = [&](std::vector<std::string> parts) {
    if (s.envelope) parts.insert(parts.begin(), "");
    for (std::size_t i = 0; i < parts.size(); ++i) {
      frames.emplace_back(parts[i], i + 1 < parts.size() ? kFlagMore : 0);
    }
  };
  auto command = [&](auto append) {
    std::string wire;
    append(wire);
    frames.emplace_back(bodies(wire).at(0), kFlagCommand);
  };
  message({"hello"});
  message({"part one", "part two", ""});
  command([](std::string& w) { append_ping(w, 0, "ctx"); });
  if (s.selector % 8 == kXpub) command([](std::string& w) { append_subscribe(w, "topic"); });
  std::string large(40 * 1024, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i);
  message({large});
  message({"after the large frame"});
  for (const auto& f : frames) {
    if (!on_stream(1, [&] { return client.encode_frame(f.first, f.second, out); }).ok()) {
      return false;
    }
  }
  return true;
}

// The seed: selector, security, the first write's size, then the client's octets; empty when the
// handshake failed.
std::string make_seed(const Seed& s) {
  fuzz::reset_fuzz_random();
  // The engine makes its mechanism on accept, then draws at HELLO: the same calls on stream 0.
  std::unique_ptr<Mechanism> server = fuzz::make_fuzz_mechanism(fuzz::kCurveServer, true);
  Metadata own = {{"Socket-Type", s.peer_type}};
  if (!s.identity.empty()) own.emplace_back("Identity", s.identity);
  std::unique_ptr<Mechanism> client =
      on_stream(1, [&] { return make_curve_mechanism(own, fuzz::fuzz_config(false)); });
  std::string first;
  append_greeting(first, Greeting{3, 1, "CURVE", false});
  std::string to_server, to_client;
  on_stream(1, [&] {
    client->start(to_server);
    return 0;
  });
  for (int round = 0; round < 3 && !(server->done() && client->done()); ++round) {
    first += to_server;
    if (!fuzz::feed_commands(*server, to_server, to_client, true)) return {};
    to_server.clear();
    if (!on_stream(1, [&] { return fuzz::feed_commands(*client, to_client, to_server, true); })) {
      return {};
    }
    to_client.clear();
  }
  if (!server->done() || !client->done() || !to_server.empty()) return {};
  std::string seed = {static_cast<char>(s.selector), static_cast<char>(kCurveServer),
                      static_cast<char>(first.size() >> 8), static_cast<char>(first.size())};
  seed += first;
  if (!append_messages(*client, s, seed)) return {};
  return seed;
}

// Runs `seed` against a fresh server as the engine does; how many boxes opened, -1 when the
// handshake failed or a box did not open.
int replay(std::string_view seed) {
  fuzz::reset_fuzz_random();
  std::unique_ptr<Mechanism> server = fuzz::make_fuzz_mechanism(fuzz::kCurveServer, true);
  std::string out;
  int opened = 0;
  for (const std::string& body : bodies(seed.substr(4 + kGreetingSize))) {
    if (!server->done()) {
      auto c = parse_handshake_command(body);
      if (!c.ok() || !fuzz::feed_command(*server, *c, out, true)) return -1;
      continue;
    }
    std::string scratch;
    std::uint8_t flags = 0;
    if (!server->decode_frame(body, scratch, flags).ok()) return -1;
    ++opened;
  }
  return server->done() ? opened : -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus folder>\n", argv[0]);
    return 2;
  }
  fuzz::install_fuzz_random();
  const Seed seeds[] = {
      {"curve_pull_ipc", kPull, "PUSH", "", false},
      {"curve_rep_ipc", kRep, "REQ", "", true},
      {"curve_router_paced_7_ipc", kRouter | kPiece7, "DEALER", "peer-1", false},
      {"curve_xpub_paced_4097_ipc", kXpub | kPiece4097, "SUB", "", false},
  };
  for (const Seed& s : seeds) {
    if (!fuzz::write_seed(argv[1], s.name, make_seed(s), replay)) return 1;
  }
  return 0;
}
