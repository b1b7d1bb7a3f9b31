// The command line of bossa-node (and of every program built on run_node): Abseil flags, read
// into a plain struct.
//
//   bossa-node --config alpha.toml [--transport amqp] [--name n] [--listen tcp://h:p]
//              [--seeds tcp://h:p,tcp://h:q] [--key_file alpha.key] [--trusted_keys_dir keys]
//              [--metrics_port 9464|-1] [--log_level info]
//   bossa-node status --config alpha.toml --node beta [--timeout 10s]
//   bossa-node keygen alpha.key
//
// `--help` (or --helpfull, --helpshort, --help=text) is the help command: the usage and the
// program's flags with their help and defaults, never the source files that define them (Abseil's
// own usage output would list those); the program prints it and exits 0. `--version` prints the
// program and bossa's version. Flags may be written --flag=value or --flag value. A problem (an
// unknown flag, a value that does not parse, a missing --config, an unknown command) is reported
// as InvalidArgument naming the flag; the program exits 2 on it.
//
// Thread-safety: parse_command_line sets the process's Abseil flags; call it once, from main's
// thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cluster/logger.h"
#include "node_program/config_overrides.h"

namespace bossa {

struct NodeCommandLine {
  enum class Command { kRun, kStatus, kKeygen, kHelp };
  Command command = Command::kRun;
  std::string config_path;               // --config
  ConfigOverrides overrides;             // --name --transport --listen --seeds ...
  int metrics_port = 0;                  // --metrics_port: 0 off, -1 any free port, else the port
  LogLevel log_level = LogLevel::kInfo;  // --log_level
  std::string status_node;               // --node (status)
  absl::Duration status_timeout = absl::Seconds(10);  // --timeout (status)
  std::string keygen_path;                            // keygen: the key pair file to write
  std::string help;  // kHelp: the text to print (usage and flags); the other fields are unset
};

// Sets the usage message that --help starts with and what --version prints; call before
// parse_command_line.
void set_node_usage(const std::string& program);

absl::StatusOr<NodeCommandLine> parse_command_line(int argc, char** argv);

}  // namespace bossa
