#include "node_program/run_node.h"

#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "node_program/command_line.h"
#include "node_program/config_overrides.h"
#include "node_program/metrics_server.h"
#include "node_program/node_metrics.h"
#include "node_program/status_service.h"
#include "node_program/stop_signals.h"
#include "transport/node_keys.h"

namespace bossa {
namespace {

constexpr int kFailed = 1;
constexpr int kBadUsage = 2;

std::string program_name(char* argv0) {
  const std::string path = argv0 != nullptr ? argv0 : "bossa-node";
  return path.substr(path.rfind('/') + 1);
}

int complain(const std::string& program, absl::string_view message, int code) {
  std::fprintf(stderr, "%s: %.*s\n", program.c_str(), static_cast<int>(message.size()),
               message.data());
  if (code == kBadUsage)
    std::fprintf(stderr, "%s: run with --help for the flags\n", program.c_str());
  return code;
}

int ask_status(const std::string& program, const NodeCommandLine& line, const NodeConfig& config) {
  absl::StatusOr<std::string> status = query_status(config, line.status_node, line.status_timeout);
  if (!status.ok()) return complain(program, status.status().message(), kFailed);
  std::fwrite(status->data(), 1, status->size(), stdout);
  return 0;
}

int serve(const std::string& program, const NodeCommandLine& line, NodeConfig config,
          const NodeHooks& hooks) {
  block_stop_signals();  // before the node starts any thread: all of them inherit the mask
  const std::string transport(transport::transport_kind_name(config.transport.kind));
  absl::StatusOr<std::unique_ptr<Node>> created = Node::create(std::move(config));
  if (!created.ok()) return complain(program, created.status().message(), kFailed);
  Node& node = **created;
  node.log().set_level(line.log_level);

  const absl::Time started = absl::Now();
  absl::Status ready = hooks.register_services ? hooks.register_services(node) : absl::OkStatus();
  if (ready.ok()) ready = register_status_service(node, transport, started);
  if (!ready.ok()) {
    return complain(program, absl::StrCat("registering the services: ", ready.message()), kFailed);
  }
  if (absl::Status joined = node.start(); !joined.ok()) {
    return complain(program, absl::StrCat("starting node '", node.name(), "': ", joined.message()),
                    kFailed);
  }

  std::unique_ptr<MetricsServer> metrics;
  if (line.metrics_port != 0) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server =
        MetricsServer::start(static_cast<uint16_t>(line.metrics_port == -1 ? 0 : line.metrics_port),
                             [&node, transport, started] {
                               return format_prometheus(read_metrics(node, transport, started));
                             });
    if (!server.ok()) {
      node.stop();
      return complain(program, server.status().message(), kFailed);
    }
    metrics = *std::move(server);
    node.log().log(LogLevel::kInfo,
                   absl::StrCat("metrics at http://127.0.0.1:", metrics->port(), "/metrics"));
  }

  if (hooks.on_started) {
    if (absl::Status hooked = hooks.on_started(node); !hooked.ok()) {
      if (metrics) metrics->stop();
      node.stop();
      return complain(program, absl::StrCat("on_started: ", hooked.message()), kFailed);
    }
  }

  const std::string endpoint = node.endpoint();
  std::string up = absl::StrCat(node.name(), " is up", endpoint.empty() ? "" : " at ", endpoint);
  if (const std::string gateway = node.gateway_endpoint(); !gateway.empty()) {
    absl::StrAppend(&up, "; gateway at ", gateway);
  }
  if (metrics) absl::StrAppend(&up, "; metrics at http://127.0.0.1:", metrics->port(), "/metrics");
  std::printf("%s\n", up.c_str());
  std::fflush(stdout);

  const int signal = await_stop_signal();
  // A second signal ends the process at once, should leaving hang.
  unblock_stop_signals();
  node.log().log(LogLevel::kInfo,
                 absl::StrCat(signal == SIGINT ? "SIGINT" : "SIGTERM", ": leaving the cluster"));
  if (hooks.on_stopping) hooks.on_stopping(node);
  if (metrics) metrics->stop();
  node.stop();
  return 0;
}

}  // namespace

int run_node(int argc, char** argv, const RegisterServices& register_services) {
  return run_node(argc, argv, NodeHooks{.register_services = register_services});
}

int run_node(int argc, char** argv, const NodeHooks& hooks) {
  const std::string program = program_name(argc > 0 ? argv[0] : nullptr);
  set_node_usage(program);
  absl::StatusOr<NodeCommandLine> line = parse_command_line(argc, argv);
  if (!line.ok()) return complain(program, line.status().message(), kBadUsage);
  if (line->command == NodeCommandLine::Command::kHelp) {
    std::fwrite(line->help.data(), 1, line->help.size(), stdout);
    return 0;
  }
  if (line->command == NodeCommandLine::Command::kKeygen) {
    const transport::NodeKeyPair keys = transport::generate_node_key_pair();
    if (absl::Status written = transport::write_node_key_files(line->keygen_path, keys);
        !written.ok()) {
      return complain(program, written.message(), kFailed);
    }
    std::printf("%s\n", transport::encode_z85_key(keys.public_key).c_str());
    return 0;
  }
  absl::StatusOr<NodeConfig> config =
      load_config_with_overrides(line->config_path, line->overrides);
  if (!config.ok()) return complain(program, config.status().message(), kBadUsage);
  if (line->command == NodeCommandLine::Command::kStatus) {
    return ask_status(program, *line, *config);
  }
  return serve(program, *line, *std::move(config), hooks);
}

}  // namespace bossa
