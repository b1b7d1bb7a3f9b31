#include "transport/native/native_transport.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace bossa::transport {

namespace {

std::optional<TrustedKeys> trusted_keys_of(const TransportConfig& config,
                                           socket::Context& context) {
  if (config.security != Security::kCurve) return std::nullopt;
  auto authenticator = std::make_shared<socket::Authenticator>();
  context.set_authenticator(authenticator);
  return std::optional<TrustedKeys>(std::in_place, config, std::move(authenticator));
}

}  // namespace

NativeTransport::NativeTransport(TransportConfig config)
    : config_(std::move(config)),
      membership_(config_),
      trusted_keys_(trusted_keys_of(config_, context_)),
      receive_loop_(context_, membership_, absl::ToChronoNanoseconds(config_.node_down_after),
                    trusted_keys_ ? &*trusted_keys_ : nullptr) {}

NativeTransport::~NativeTransport() {
  stop();
}

absl::Status NativeTransport::start(const NodeIdentity& self, TransportHandler& handler) {
  if (running_.load()) return absl::FailedPreconditionError("the transport is already started");
  if (config_.listen.empty()) {
    return absl::InvalidArgumentError("the native transport needs transport.listen");
  }
  if (trusted_keys_) {
    if (config_.public_key.size() != kSwimKeyBytes || config_.secret_key.size() != kSwimKeyBytes) {
      return absl::InvalidArgumentError(
          "transport.security = \"curve\" needs this node's key pair (transport.key_file)");
    }
    if (absl::Status loaded = trusted_keys_->load(); !loaded.ok()) return loaded;
  }
  absl::StatusOr<std::string> endpoint = receive_loop_.bind(config_);
  if (!endpoint.ok()) {
    return absl::UnavailableError(absl::StrCat("node '", self.name, "' cannot listen on ",
                                               config_.listen, ": ", endpoint.status().message()));
  }
  endpoint_ = *std::move(endpoint);
  context_.set_log_sink([&handler](std::string_view line) { handler.on_connection_log(line); });
  running_.store(true);
  const LinkContext links{.sockets = context_,
                          .chunk_pool = chunk_pool_,
                          .flusher = flusher_,
                          .running = running_,
                          .self_id = self.id,
                          .room_timeout = absl::ToChronoNanoseconds(config_.node_down_after),
                          .bytes_sent = bytes_sent_,
                          .public_key = trusted_keys_ ? config_.public_key : std::string_view(),
                          .secret_key = trusted_keys_ ? config_.secret_key : std::string_view()};
  membership_.start(self, endpoint_, links, handler, std::chrono::steady_clock::now());
  flusher_work_.emplace(flusher_.get_executor());
  flusher_thread_ = std::thread([this] { flusher_.run(); });
  receive_loop_.start(handler, config_.busy_wait, running_);
  return absl::OkStatus();
}

void NativeTransport::stop() {
  if (!running_.exchange(false)) return;
  receive_loop_.join();
  // What is batched still leaves, then Bye.
  flusher_work_.reset();
  flusher_thread_.join();
  membership_.stop();
  receive_loop_.close();
  context_.set_log_sink(nullptr);  // the handler may go before the context's last lines
}

ConnectionStats NativeTransport::connection_stats() const {
  const socket::SocketStats stats = receive_loop_.socket_stats();
  return ConnectionStats{.open = stats.inbound_open,
                         .handshaking = stats.inbound_handshaking,
                         .refused = stats.connections_refused,
                         .closed_bad_input = stats.protocol_errors,
                         .refused_keys = stats.auth_refusals};
}

absl::Status NativeTransport::send(uint32_t to, std::string_view envelope, Lane lane) {
  // A peer closes a connection that carries a message over its max_message_size, and with it what
  // was queued behind: such an envelope is refused here, to its sender, and the link goes on.
  if (static_cast<int64_t>(envelope.size()) > config_.max_message_size - kFramingAllowance) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an envelope of ", envelope.size(), " octets: over transport.max_message_size (",
        config_.max_message_size, ") less ", kFramingAllowance, " octets of framing"));
  }
  return membership_.send(to, envelope, lane);
}

void NativeTransport::broadcast(std::string_view bytes, Lane lane) {
  for (const NodeIdentity& node : nodes()) (void)send(node.id, bytes, lane);
}

std::vector<NodeIdentity> NativeTransport::nodes() const {
  return membership_.nodes();
}

}  // namespace bossa::transport
