#include "node_program/command_line.h"

#include <algorithm>
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
ABSL_FLAG(std::optional<std::string>, key_file, std::nullopt,
          "Overrides [transport] key_file: this node's key pair (relative to the working "
          "directory).");
ABSL_FLAG(std::optional<std::string>, trusted_keys_dir, std::nullopt,
          "Overrides [transport] trusted_keys_dir: a directory of the .pub files of the nodes "
          "to admit (relative to the working directory).");
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
bool is_builtin_flag(absl::string_view name) {
  static constexpr absl::string_view kBuiltins[] = {
      "help",    "helpfull", "helpshort", "helppackage", "helpon",  "helpmatch",
      "version", "flagfile", "fromenv",   "tryfromenv",  "undefok", "only_check_args"};
  for (absl::string_view builtin : kBuiltins) {
    if (name == builtin) return true;
  }
  return false;
}

// --help, --helpfull, --helpshort, ...: bossa-node answers these itself.
bool is_help_flag(absl::string_view name) {
  return absl::StartsWith(name, "help") && is_builtin_flag(name);
}

// Flags defined by Abseil itself (their Filename() is one of Abseil's sources).
bool is_abseil_flag(const absl::CommandLineFlag& flag) {
  const std::string file = flag.Filename();
  return is_builtin_flag(flag.Name()) || absl::StartsWith(file, "absl/") ||
         absl::StrContains(file, "/absl/");
}

// A command-line argument read as a flag: "--name=value", "-name value" (value not in it).
struct FlagArgument {
  std::string name;
  std::optional<std::string> value;  // what follows '=', if any
};

// `arg` as a flag, or nullopt if it does not start with '-'.
std::optional<FlagArgument> as_flag(absl::string_view arg) {
  if (!absl::ConsumePrefix(&arg, "-")) return std::nullopt;
  absl::ConsumePrefix(&arg, "-");
  const size_t equals = arg.find('=');
  FlagArgument flag{.name = std::string(arg.substr(0, equals)), .value = std::nullopt};
  if (equals != absl::string_view::npos) flag.value = std::string(arg.substr(equals + 1));
  return flag;
}

// What a help flag on the command line asks for: every flag (Abseil's too with --helpfull), or
// the flags whose name or help mentions `match` (--help=text, --helpmatch=text).
struct HelpRequest {
  bool full = false;
  std::string match;
};

std::optional<HelpRequest> find_help_request(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (absl::string_view(argv[i]) == "--") break;
    std::optional<FlagArgument> arg = as_flag(argv[i]);
    if (!arg || !is_help_flag(arg->name)) continue;
    HelpRequest request;
    request.full = arg->name == "helpfull";
    if (arg->name == "help" || arg->name == "helpmatch") request.match = arg->value.value_or("");
    return request;
  }
  return std::nullopt;
}

// Appends `text` to `out` in lines of at most kWidth columns, each after `indent`.
void append_wrapped(std::string& out, absl::string_view text, size_t indent) {
  constexpr size_t kWidth = 100;
  size_t column = indent;
  bool first = true;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!first && column + 1 + word.size() > kWidth) {
      absl::StrAppend(&out, "\n", std::string(indent, ' '));
      column = indent;
    } else if (!first) {
      out += ' ';
      ++column;
    }
    absl::StrAppend(&out, word);
    column += word.size();
    first = false;
  }
  out += '\n';
}

// "  --name  help (default: value)" for each flag, sorted by name.
void append_flags(std::string& out, std::vector<const absl::CommandLineFlag*> flags) {
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  size_t width = 0;
  for (const absl::CommandLineFlag* flag : flags) width = std::max(width, flag->Name().size());
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string name = absl::StrCat("  --", flag->Name());
    absl::StrAppend(&out, name, std::string(width + 6 - name.size(), ' '));
    const std::string fallback = flag->DefaultValue();
    append_wrapped(
        out,
        fallback.empty() ? flag->Help() : absl::StrCat(flag->Help(), " (default: ", fallback, ")"),
        width + 6);
  }
}

// The text --help prints: the usage message, then the program's flags (and Abseil's, with
// --helpfull); never the files that define them.
std::string help_text(const HelpRequest& request) {
  std::vector<const absl::CommandLineFlag*> own;
  std::vector<const absl::CommandLineFlag*> abseil;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!request.match.empty() && !absl::StrContains(name, request.match) &&
        !absl::StrContains(flag->Help(), request.match)) {
      continue;
    }
    (is_abseil_flag(*flag) ? abseil : own).push_back(flag);
  }
  std::string text =
      absl::StrCat(absl::ProgramUsageMessage(), "\n\nFlags (--flag=value or --flag value):\n");
  append_flags(text, std::move(own));
  if (request.full && !abseil.empty()) {
    absl::StrAppend(&text, "\nAbseil's flags:\n");
    append_flags(text, std::move(abseil));
  }
  return text;
}

// Checks every flag on the command line before Abseil parses it, so that a bad one is reported
// here (and the program exits 2) rather than by Abseil's own exit.
absl::Status check_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (absl::string_view(argv[i]) == "--") break;
    std::optional<FlagArgument> arg = as_flag(argv[i]);
    if (!arg || is_builtin_flag(arg->name)) continue;
    const std::string& name = arg->name;
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
    if (negated || (!arg->value && flag->IsOfType<bool>())) continue;
    std::string value;
    if (arg->value) {
      value = *arg->value;
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
  absl::FlagsUsageConfig config;
  config.version_string = [program] { return absl::StrCat(program, " ", BOSSA_VERSION, "\n"); };
  absl::SetFlagsUsageConfig(std::move(config));
  absl::SetProgramUsageMessage(absl::StrCat(
      program, ": runs a bossa node, or asks one for its status.\n\n  ", program,
      " --config node.toml [flags]\n      starts the node, joins its cluster, serves until "
      "SIGINT or SIGTERM, then leaves the cluster\n  ",
      program,
      " status --config node.toml --node NAME\n      joins the cluster for a moment "
      "and prints node NAME's counters\n  ",
      program,
      " keygen FILE\n      writes a new key pair to FILE (mode 0600) and its public key to "
      "FILE.pub, and prints the public key"));
}

absl::StatusOr<NodeCommandLine> parse_command_line(int argc, char** argv) {
  NodeCommandLine line;
  if (std::optional<HelpRequest> help = find_help_request(argc, argv)) {
    line.command = NodeCommandLine::Command::kHelp;
    line.help = help_text(*help);
    return line;
  }
  if (absl::Status checked = check_flags(argc, argv); !checked.ok()) return checked;
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  if (positional.size() >= 2 && std::string_view(positional[1]) == "keygen") {
    if (positional.size() != 3) {
      return absl::InvalidArgumentError(
          "keygen: expected one argument, the file to write the key pair to");
    }
    line.command = NodeCommandLine::Command::kKeygen;
    line.keygen_path = positional[2];
    return line;
  }
  if (positional.size() > 2 ||
      (positional.size() == 2 && std::string_view(positional[1]) != "status")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", positional.back(),
                     "\" (the commands are \"status\" and \"keygen\"; flags start with --)"));
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
  line.overrides.key_file = absl::GetFlag(FLAGS_key_file);
  line.overrides.trusted_keys_dir = absl::GetFlag(FLAGS_trusted_keys_dir);

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
