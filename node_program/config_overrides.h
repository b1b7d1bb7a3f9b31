// ConfigOverrides: the command-line flags of bossa-node that replace keys of its TOML file, and
// the one function that applies them and validates the result as a whole.
//
//   ConfigOverrides flags{.listen = "tcp://127.0.0.1:*", .seeds = {{"tcp://127.0.0.1:47101"}}};
//   absl::StatusOr<NodeConfig> config = load_config_with_overrides("beta.toml", flags);
//
// An override replaces its key before validation, so the file and the flags are checked together
// by the rules of cluster/node_config.h (`--transport native` on a file without `listen` is an
// error). A problem caused by a flag names the flag; a problem of the file keeps its file and line:
//   flag --listen: transport.listen: expected tcp://host:port ... got "nonsense"
//   beta.toml (with flags --transport): transport.listen: missing (required ...)
// A path a flag gives (--key_file, --trusted_keys_dir) is relative to the working directory, not to
// the TOML file's as a path the file gives.
//
// Thread-safety: pure functions (load_config_with_overrides reads the file).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/node_config.h"

namespace bossa {

struct ConfigOverrides {
  std::optional<std::string> name{};                // --name: node.name
  std::optional<std::string> transport{};           // --transport: transport.kind
  std::optional<std::string> listen{};              // --listen: transport.listen
  std::optional<std::vector<std::string>> seeds{};  // --seeds: transport.seeds
  std::optional<std::string> key_file{};            // --key_file: transport.key_file
  std::optional<std::string> trusted_keys_dir{};  // --trusted_keys_dir: transport.trusted_keys_dir

  bool empty() const {
    return !name && !transport && !listen && !seeds && !key_file && !trusted_keys_dir;
  }
};

// Reads the TOML file at `path`, applies `overrides` and validates the result. Errors as
// load_node_config, with the flag named for a problem a flag caused.
absl::StatusOr<NodeConfig> load_config_with_overrides(const std::string& path,
                                                      const ConfigOverrides& overrides);

// The same for TOML text already read; messages name it `source_name`.
absl::StatusOr<NodeConfig> parse_config_with_overrides(std::string_view toml_text,
                                                       std::string_view source_name,
                                                       const ConfigOverrides& overrides);

}  // namespace bossa
