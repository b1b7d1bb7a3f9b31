// libFuzzer target over the PLAIN and CURVE handshakes and CURVE's MESSAGE boxes.
//
// The first octet picks the peer under test: a PLAIN server or client, a CURVE server or client
// (each started, so in the state that expects the first command), or a CURVE server after a
// genuine handshake with fixed keys, fed MESSAGE bodies. The rest is cut into command frames by
// the frame decoder. Untrusted octets must only ever yield a Status.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/keys.h"
#include "transport/socket/zmtp/mechanism.h"

namespace {

using namespace bossa::zmtp;

// Fixed test keys, so that inputs can carry boxes made for them.
const CurveKeyPair& server_keys() {
  static const CurveKeyPair k = [] {
    CurveKeyPair pair;
    pair.secret_key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
    pair.public_key = *curve_public(pair.secret_key);
    return pair;
  }();
  return k;
}

SecurityConfig config(bool server) {
  SecurityConfig c;
  c.as_server = server;
  c.plain_username = "user";
  c.plain_password = "password";
  c.curve_secretkey =
      *z85_decode(server ? server_keys().secret_key : "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs");
  c.curve_publickey = *z85_decode("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID");
  c.curve_serverkey = *z85_decode(server_keys().public_key);
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int pick = data[0] % 5;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool server = pick % 2 == 0;
  std::unique_ptr<Mechanism> m =
      pick < 2 ? make_plain_mechanism({{"Socket-Type", "DEALER"}}, config(server))
               : make_curve_mechanism({{"Socket-Type", "DEALER"}}, config(server));
  std::string out;
  if (pick == 4) {
    // A finished handshake: a client and this server talk first.
    auto client = make_curve_mechanism({}, config(false));
    std::string to_server, to_client;
    client->start(to_server);
    for (int round = 0; round < 4 && !m->done(); ++round) {
      std::string_view in = to_server;
      FrameDecoder d(FrameLimits{});
      while (!in.empty()) {
        auto f = d.next(in);
        if (!f.ok() || !f->has_value()) break;
        auto c = parse_command((*f)->body);
        if (!c.ok() || !m->on_command(*c, to_client).ok()) return 0;
        if (m->take_auth_request())
          (void)m->on_auth_reply(AuthReply{true, "200", "", ""}, to_client);
      }
      to_server.clear();
      in = to_client;
      while (!in.empty()) {
        auto f = d.next(in);
        if (!f.ok() || !f->has_value()) break;
        auto c = parse_command((*f)->body);
        if (!c.ok() || !client->on_command(*c, to_server).ok()) return 0;
      }
      to_client.clear();
    }
  }
  m->start(out);
  FrameDecoder decoder(FrameLimits{1 << 20, 1 << 20});
  std::string scratch;
  while (!input.empty()) {
    auto frame = decoder.next(input);
    if (!frame.ok() || !frame->has_value()) return 0;
    const DecodedFrame& f = **frame;
    if (m->done() && m->transforms_frames()) {
      std::uint8_t flags = 0;
      (void)m->decode_frame(f.body, scratch, flags);
      continue;
    }
    auto command = parse_command(f.body);
    if (!command.ok()) continue;
    if (!m->on_command(*command, out).ok()) return 0;
    if (auto request = m->take_auth_request()) {
      (void)m->on_auth_reply(AuthReply{request->credentials.size() > 1, "200", "", "u"}, out);
    }
  }
  return 0;
}
