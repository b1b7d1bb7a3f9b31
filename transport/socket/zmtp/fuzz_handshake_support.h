// What fuzz_zmtp_handshake and fuzz_stream_engine share with their seed generators
// (make_zmtp_handshake_seeds, make_fuzz_stream_engine_seeds): a deterministic randombytes for
// libsodium, the fixed keys, the peer under test for each pick, how a command frame is fed to it,
// and how a generator checks and writes a seed. Both run the peer under test through the same calls
// in the same order, so the generator's boxes open in the fuzzer: keys, cookies and nonces repeat
// from input to input.
//
// Randomness comes from two splitmix64 streams: the peer under test draws from stream 0, which
// reset_fuzz_random() rewinds at the start of every input; the generator's own peer draws from
// stream 1, so that it does not shift stream 0. Never link this into the product: its
// "randomness" is a counter. Single-threaded.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/keys.h"
#include "transport/socket/zmtp/mechanism.h"

namespace bossa::zmtp::fuzz {

struct FuzzRandom {
  std::uint64_t state[2] = {0, 0};
  int stream = 0;
};

inline FuzzRandom& fuzz_random() {
  static FuzzRandom r;
  return r;
}

inline std::uint64_t fuzz_next() {
  std::uint64_t z = (fuzz_random().state[fuzz_random().stream] += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Rewinds both streams and selects stream 0 (the peer under test).
inline void reset_fuzz_random() {
  fuzz_random() = FuzzRandom{};
}
inline void use_fuzz_stream(int stream) {
  fuzz_random().stream = stream;
}

// Installs the deterministic randombytes; call before anything initialises libsodium.
inline void install_fuzz_random() {
  static randombytes_implementation impl = {[] { return "bossa-fuzz-counter"; },
                                            [] { return static_cast<std::uint32_t>(fuzz_next()); },
                                            nullptr,
                                            nullptr,
                                            [](void* buf, std::size_t size) {
                                              auto* p = static_cast<std::uint8_t*>(buf);
                                              for (std::size_t i = 0; i < size; ++i)
                                                p[i] = static_cast<std::uint8_t>(fuzz_next());
                                            },
                                            nullptr};
  randombytes_set_implementation(&impl);
  if (sodium_init() < 0) __builtin_trap();
}

// The first octet of an input: the peer under test (low 7 bits, modulo kPicks) and whether its
// authenticator refuses (the top bit).
enum Pick { kPlainServer, kPlainClient, kCurveServer, kCurveClient, kCurveServerDone, kPicks };

inline SecurityConfig fuzz_config(bool server) {
  // Fixed long-term keys, so that inputs can carry boxes made for them.
  static const std::string server_secret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
  static const std::string client_secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
  SecurityConfig c;
  c.as_server = server;
  c.plain_username = "user";
  c.plain_password = "password";
  c.curve_secretkey = *z85_decode(server ? server_secret : client_secret);
  c.curve_publickey = *z85_decode(*curve_public(client_secret));
  c.curve_serverkey = *z85_decode(*curve_public(server_secret));
  return c;
}

inline std::unique_ptr<Mechanism> make_fuzz_mechanism(int pick, bool server) {
  const Metadata own = {{"Socket-Type", "DEALER"}};
  return pick < kCurveServer ? make_plain_mechanism(own, fuzz_config(server))
                             : make_curve_mechanism(own, fuzz_config(server));
}

// Feeds one command to `m` as the fuzzer does, answering its authenticator's request; false when
// the mechanism refused the command.
inline bool feed_command(Mechanism& m, const Command& c, std::string& out, bool allow) {
  if (!m.on_command(c, out).ok()) return false;
  if (auto request = m.take_auth_request()) {
    (void)m.on_auth_reply(AuthReply{allow, allow ? "200" : "400", "refused", "u"}, out);
  }
  return true;
}

// Feeds every command frame in `in` to `m`; false when one was refused or did not parse.
inline bool feed_commands(Mechanism& m, std::string_view in, std::string& out, bool allow) {
  FrameDecoder d(FrameLimits{});
  while (!in.empty()) {
    auto f = d.next(in);
    if (!f.ok() || !f->has_value()) return false;
    auto c = parse_handshake_command((*f)->body);
    if (!c.ok() || !feed_command(m, *c, out, allow)) return false;
  }
  return true;
}

// Runs a whole handshake between `server` and a client of it made here; the client (for the
// caller to make MESSAGE boxes with), or null when the handshake failed.
inline std::unique_ptr<Mechanism> complete_handshake(Mechanism& server) {
  auto client = make_curve_mechanism({{"Socket-Type", "DEALER"}}, fuzz_config(false));
  std::string to_server, to_client;
  client->start(to_server);
  for (int round = 0; round < 4 && !(server.done() && client->done()); ++round) {
    if (!feed_commands(server, to_server, to_client, true)) return nullptr;
    to_server.clear();
    if (!feed_commands(*client, to_client, to_server, true)) return nullptr;
    to_client.clear();
  }
  return server.done() && client->done() ? std::move(client) : nullptr;
}

// A generator's last step: refuses an empty `seed` (its handshake failed) or one `replay` does
// not run through (-1), else reports how many boxes opened and writes it to `folder`/`name`.
inline bool write_seed(const std::string& folder, const char* name, const std::string& seed,
                       const std::function<int(std::string_view)>& replay) {
  const int opened = seed.empty() ? -1 : replay(seed);
  if (opened < 0) {
    std::fprintf(stderr, "%s: %s\n", name,
                 seed.empty() ? "the handshake failed" : "the seed does not replay");
    return false;
  }
  std::printf("%s: %zu octets, %d boxes after the handshake\n", name, seed.size(), opened);
  std::ofstream(folder + "/" + name, std::ios::binary) << seed;
  return true;
}

}  // namespace bossa::zmtp::fuzz
