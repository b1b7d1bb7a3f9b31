// STREAM (libzmq's ZMQ_STREAM): raw tcp/ipc connections, each known by a routing id.
//
// recv  fair-queues over the connections; every message is [routing id][octets]: a chunk of what
//       the peer sent (at most RawEngine::kReadChunk octets), or, with stream_notify, an empty
//       frame when the connection opened and again when it closed (the raw engine puts both in the
//       pipe, in order with the data).
// send  [routing id][octets...] writes the octets (frames after the id back to back); [routing
//       id][] closes that connection after what was queued before it. An unknown id gives
//       NotFound (libzmq's EHOSTUNREACH), a full pipe Unavailable (EAGAIN), the message intact.
// Ids: a connection dialled with connect_routing_id set has that id; every other one a generated
// 5-octet id starting with a zero octet, as ROUTER's.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/socket_core.h"
#include "transport/socket/protocols/pipe_sets.h"
#include "transport/socket/protocols/protocol.h"

namespace bossa::socket {
namespace {

class Stream final : public Protocol {
 public:
  explicit Stream(ProtocolHost& host) : host_(host) {}

  // Raw engines attach their pipes ready, with the dialled connection's connect_routing_id (if
  // any) as the peer's routing id.
  void attach(Pipe* p) override {
    std::string id = p->peer().routing_id;
    if (!id.empty() && ids_.contains(id)) {
      host_.core().log(absl::StrCat("bossa socket STREAM: closing a second connection with id '",
                                    absl::CHexEscape(id), "'"));
      close(p);
      return;
    }
    if (id.empty()) id = ids_.generate();
    p->routing_id = id;
    ids_.add(id, p);
    fq_.add(p);
  }
  // The peer went away: sends to its id fail from now on; what it sent, and the disconnect
  // message after it, stay to be received.
  void terminating(Pipe* p) override { ids_.forget(p); }
  void detach(Pipe* p) override {
    ids_.forget(p);
    fq_.remove(p);
    std::erase(closed_, p);
  }

  absl::Status recv(Message& m) override {
    discard_closed();
    Pipe* p = fq_.recv(m);
    if (p == nullptr) return would_block();
    m.push_front(Frame(p->routing_id));
    return absl::OkStatus();
  }

  absl::Status send(Message& m) override {
    if (m.size() < 2) {
      return absl::InvalidArgumentError(
          "STREAM: a message is a routing-id frame followed by a data frame");
    }
    Pipe* p = ids_.find(m[0].view());
    if (p == nullptr) {
      return absl::NotFoundError(absl::StrCat("STREAM: no connection with routing id '",
                                              absl::CHexEscape(m[0].to_string()), "'"));
    }
    if (m.size() == 2 && m[1].empty()) {
      close(p);
      m.clear();
      return absl::OkStatus();
    }
    Frame id = m.pop_front();
    if (!p->write(std::move(m))) {
      m.push_front(std::move(id));
      return would_block();
    }
    p->flush();
    return absl::OkStatus();
  }

  bool readable() override {
    discard_closed();
    return fq_.readable();
  }
  bool writable() override { return true; }

 private:
  // The application closed the connection: nothing more from it is delivered (as libzmq drops
  // it); its engine writes what was queued, then ends.
  void close(Pipe* p) {
    ids_.forget(p);
    fq_.remove(p);
    closed_.push_back(p);
    host_.refuse_pipe(p);
  }
  // Reads away what closed connections still deliver, so that their pipes drain and go; the data
  // counts as dropped (pipe_closed).
  void discard_closed() {
    Message junk;
    std::uint64_t dropped = 0;
    for (Pipe* p : closed_) {
      while (p->read(junk)) {
        if (junk.size() == 1 && !junk[0].empty()) ++dropped;
      }
    }
    if (dropped != 0) host_.core().drop(DropReason::kPipeClosed, dropped);
  }
  ProtocolHost& host_;
  FairQueue fq_;
  RoutingTable ids_;
  std::vector<Pipe*> closed_;  // closed by the application, not yet drained
};

}  // namespace

std::unique_ptr<Protocol> make_stream(ProtocolHost& host) {
  return std::make_unique<Stream>(host);
}

}  // namespace bossa::socket
