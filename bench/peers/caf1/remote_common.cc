// The helpers caf1_remote.h declares for both cases and both roles.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "bench/peers/caf1/caf1_remote.h"

namespace bossa::bench::caf1_peer {

std::uint16_t publish_on_loopback(caf::actor_system& system, const caf::actor& whom) {
  caf::expected<std::uint16_t> port = system.middleman().publish(whom, 0, "127.0.0.1");
  if (!port) throw std::runtime_error("publish on 127.0.0.1: " + caf::to_string(port.error()));
  return *port;
}

caf::actor connect_on_loopback(caf::actor_system& system, std::string_view port_arg) {
  const auto port = parse_number<std::uint16_t>(port_arg, "port");
  caf::expected<caf::actor> whom = system.middleman().remote_actor("127.0.0.1", port);
  if (!whom) {
    throw std::runtime_error("remote_actor 127.0.0.1:" + std::to_string(port) + ": " +
                             caf::to_string(whom.error()));
  }
  return *whom;
}

double await_seconds(caf::scoped_actor& self, PeerProcess& peer, std::string_view waiting_for) {
  for (;;) {
    std::optional<double> seconds;
    std::optional<std::string> failure;
    self->receive([&](done_atom, double measured) { seconds = measured; },
                  [&](failed_atom, std::string& why) { failure = std::move(why); },
                  caf::after(std::chrono::seconds(1)) >> [] {});
    if (failure) throw std::runtime_error(*failure);
    if (seconds) return *seconds;
    peer.check_running(waiting_for);
  }
}

}  // namespace bossa::bench::caf1_peer
