// Applies command-line overrides to a node's TOML document before it is validated, and names the
// flag in any problem a flag caused.
#include "node_program/config_overrides.h"

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace bossa {
namespace {

absl::string_view as_absl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

// The table `key` of `parent`, created if absent (replacing a value of another type, which the
// validation would have refused anyway).
toml::table& table_in(toml::table& parent, std::string_view key) {
  if (toml::table* existing = parent[key].as_table()) return *existing;
  parent.insert_or_assign(key, toml::table{});
  return *parent[key].as_table();
}

// `path` as the working directory names it, so that the file's directory does not prefix it.
std::string from_working_directory(const std::string& path) {
  std::error_code ignored;  // on failure (no working directory), the path as given
  const std::filesystem::path absolute = std::filesystem::absolute(path, ignored);
  return absolute.empty() ? path : absolute.string();
}

std::string apply(toml::table document, const ConfigOverrides& overrides) {
  if (overrides.name) table_in(document, "node").insert_or_assign("name", *overrides.name);
  toml::table& transport = table_in(document, "transport");
  if (overrides.transport) transport.insert_or_assign("kind", *overrides.transport);
  if (overrides.listen) transport.insert_or_assign("listen", *overrides.listen);
  if (overrides.seeds) {
    toml::array seeds;
    for (const std::string& seed : *overrides.seeds) seeds.push_back(seed);
    transport.insert_or_assign("seeds", std::move(seeds));
  }
  if (overrides.key_file) {
    transport.insert_or_assign("key_file", from_working_directory(*overrides.key_file));
  }
  if (overrides.trusted_keys_dir) {
    transport.insert_or_assign("trusted_keys_dir",
                               from_working_directory(*overrides.trusted_keys_dir));
  }
  std::ostringstream out;
  out << document;
  return out.str();
}

// The flag that sets `key` ("transport.seeds[1]" -> seeds), if it was given.
std::optional<std::string> flag_of(absl::string_view key, const ConfigOverrides& overrides) {
  if (key == "node.name" && overrides.name) return "--name";
  if (key == "transport.kind" && overrides.transport) return "--transport";
  if (key == "transport.listen" && overrides.listen) return "--listen";
  if (absl::StartsWith(key, "transport.seeds") && overrides.seeds) return "--seeds";
  if (key == "transport.key_file" && overrides.key_file) return "--key_file";
  if (key == "transport.trusted_keys_dir" && overrides.trusted_keys_dir) {
    return "--trusted_keys_dir";
  }
  return std::nullopt;
}

std::string given_flags(const ConfigOverrides& overrides) {
  std::vector<std::string> flags;
  if (overrides.name) flags.push_back("--name");
  if (overrides.transport) flags.push_back("--transport");
  if (overrides.listen) flags.push_back("--listen");
  if (overrides.seeds) flags.push_back("--seeds");
  if (overrides.key_file) flags.push_back("--key_file");
  if (overrides.trusted_keys_dir) flags.push_back("--trusted_keys_dir");
  return absl::StrJoin(flags, " ");
}

// One line of a validation message, "<source>[:<line>]: <key>: <what>", taken apart.
struct Problem {
  absl::string_view key;
  absl::string_view what;
};

std::optional<Problem> split_problem(absl::string_view line, absl::string_view source) {
  if (!absl::ConsumePrefix(&line, source) || !absl::ConsumePrefix(&line, ":")) return std::nullopt;
  while (!line.empty() && std::isdigit(static_cast<unsigned char>(line.front()))) {
    line.remove_prefix(1);
  }
  absl::ConsumePrefix(&line, ":");
  absl::ConsumePrefix(&line, " ");
  const size_t colon = line.find(": ");
  if (colon == absl::string_view::npos) return std::nullopt;
  return Problem{line.substr(0, colon), line.substr(colon + 2)};
}

// Rewrites the message of the overridden document: a flag's problem names the flag, a problem of
// the file alone keeps the file's own line (from `original`), any other names the flags given.
absl::Status explain(const absl::Status& merged, const absl::Status& original,
                     absl::string_view source, const ConfigOverrides& overrides) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(merged.message(), '\n')) {
    const std::optional<Problem> problem = split_problem(line, source);
    if (!problem) {
      lines.emplace_back(line);
      continue;
    }
    if (const std::optional<std::string> flag = flag_of(problem->key, overrides)) {
      lines.push_back(absl::StrCat("flag ", *flag, ": ", problem->key, ": ", problem->what));
      continue;
    }
    std::string from_file;
    for (absl::string_view own : absl::StrSplit(original.message(), '\n')) {
      const std::optional<Problem> same = split_problem(own, source);
      if (same && same->key == problem->key && same->what == problem->what) {
        from_file = std::string(own);
        break;
      }
    }
    lines.push_back(!from_file.empty()
                        ? from_file
                        : absl::StrCat(source, " (with flags ", given_flags(overrides),
                                       "): ", problem->key, ": ", problem->what));
  }
  return absl::Status(merged.code(), absl::StrJoin(lines, "\n"));
}

}  // namespace

absl::StatusOr<NodeConfig> parse_config_with_overrides(std::string_view toml_text,
                                                       std::string_view source_name,
                                                       const ConfigOverrides& overrides) {
  absl::StatusOr<NodeConfig> original = parse_node_config(toml_text, source_name);
  if (overrides.empty()) return original;
  toml::table document;
  try {
    document = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error&) {
    return original.status();  // a syntax error: parse_node_config has described it
  }
  absl::StatusOr<NodeConfig> merged =
      parse_node_config(apply(std::move(document), overrides), source_name);
  if (merged.ok()) return merged;
  return explain(merged.status(), original.status(), as_absl(source_name), overrides);
}

absl::StatusOr<NodeConfig> load_config_with_overrides(const std::string& path,
                                                      const ConfigOverrides& overrides) {
  if (overrides.empty()) return load_node_config(path);
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open"));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot read"));
  return parse_config_with_overrides(text.str(), path, overrides);
}

}  // namespace bossa
