#include "node_program/command_line.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

ABSL_FLAG(std::string, config, "",
          "The node's TOML file (required); docs/config.md lists its keys.");
ABSL_FLAG(std::optional<std::string>, transport, std::nullopt,
          "Overrides [transport] kind: native, amqp or local.");
ABSL_FLAG(std::optional<std::string>, name, std::nullopt, "Overrides [node] name.");
ABSL_FLAG(std::optional<std::string>, listen, std::nullopt,
          "Overrides [transport] listen, e.g. tcp://127.0.0.1:7001 or tcp://127.0.0.1:*.");
ABSL_FLAG(std::optional<std::string>, seeds, std::nullopt,
          "Overrides [transport] seeds: a comma-separated list of endpoints.");
ABSL_FLAG(int32_t, metrics_port, 0,
          "Serve Prometheus metrics at http://127.0.0.1:<port>/metrics: 0 = off, -1 = a free "
          "port (the node logs and prints the one it got).");
ABSL_FLAG(std::string, log_level, "info", "The lowest level logged: debug, info, warning, error.");
ABSL_FLAG(std::string, node, "", "status: the name of the node to ask.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "status: how long to wait for the node to show up and answer.");

namespace bossa {
namespace {

// Abseil's own flags, which ParseCommandLine handles (help, flagfile, ...).
bool is_builtin_flag(std::string_view name) {
  static constexpr std::string_view kBuiltins[] = {
      "help",    "helpfull", "helpshort", "helppackage", "helpon",  "helpmatch",
      "version", "flagfile", "fromenv",   "tryfromenv",  "undefok", "only_check_args"};
  for (std::string_view builtin : kBuiltins) {
    if (name == builtin) return true;
  }
  return false;
}

// Checks every flag on the command line before Abseil parses it, so that a bad one is reported
// here (and the program exits 2) rather than by Abseil's own exit.
absl::Status check_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    const size_t equals = arg.find('=');
    const std::string name(arg.substr(0, equals));
    if (is_builtin_flag(name)) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    bool negated = false;
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      negated = flag != nullptr && flag->IsOfType<bool>();
      if (!negated) flag = nullptr;
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (negated || (equals == absl::string_view::npos && flag->IsOfType<bool>())) continue;
    std::string value;
    if (equals != absl::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, ": cannot use \"", value, "\": ", error));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void set_node_usage(const std::string& program) {
  // --help and --helpshort list the node program's own flags (Abseil's default looks for flags
  // defined in a file named after the program).
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "node_program/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(std::move(config));
  absl::SetProgramUsageMessage(absl::StrCat(
      "runs a bossa node, or asks one for its status.\n\n  ", program,
      " --config node.toml [flags]\n      starts the node, joins its cluster, serves until "
      "SIGINT or SIGTERM, then leaves the cluster\n  ",
      program,
      " status --config node.toml --node NAME\n      joins the cluster for a moment "
      "and prints node NAME's counters"));
}

absl::StatusOr<NodeCommandLine> parse_command_line(int argc, char** argv) {
  if (absl::Status checked = check_flags(argc, argv); !checked.ok()) return checked;
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  NodeCommandLine line;
  if (positional.size() > 2 ||
      (positional.size() == 2 && std::string_view(positional[1]) != "status")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", positional.back(),
                     "\" (the only command is \"status\"; flags start with --)"));
  }
  if (positional.size() == 2) line.command = NodeCommandLine::Command::kStatus;

  line.config_path = absl::GetFlag(FLAGS_config);
  if (line.config_path.empty()) {
    return absl::InvalidArgumentError("flag --config: missing (the node's TOML file is required)");
  }
  line.overrides.name = absl::GetFlag(FLAGS_name);
  line.overrides.transport = absl::GetFlag(FLAGS_transport);
  line.overrides.listen = absl::GetFlag(FLAGS_listen);
  if (const std::optional<std::string> seeds = absl::GetFlag(FLAGS_seeds)) {
    std::vector<std::string> endpoints;
    for (absl::string_view seed : absl::StrSplit(*seeds, ',', absl::SkipWhitespace())) {
      endpoints.emplace_back(absl::StripAsciiWhitespace(seed));
    }
    line.overrides.seeds = std::move(endpoints);
  }

  line.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  if (line.metrics_port < -1 || line.metrics_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("flag --metrics_port: expected 0 (off), -1 (a free port) or 1-65535, got ",
                     line.metrics_port));
  }
  absl::StatusOr<LogLevel> level = parse_log_level(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("flag --log_level: ", level.status().message()));
  }
  line.log_level = *level;

  line.status_node = absl::GetFlag(FLAGS_node);
  line.status_timeout = absl::GetFlag(FLAGS_timeout);
  if (line.command == NodeCommandLine::Command::kStatus && line.status_node.empty()) {
    return absl::InvalidArgumentError("flag --node: missing (status asks the node it names)");
  }
  if (line.status_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("flag --timeout: must be positive");
  }
  return line;
}

}  // namespace bossa
