#include "transport/node_keys.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/string_view_bridge.h"
#include "transport/socket/core/keys.h"

namespace bossa::transport {
namespace {

// A key file holds two short lines; anything much larger is not one.
constexpr std::uintmax_t kMaxKeyFileBytes = 4096;

struct KeyFile {
  std::optional<std::string> public_key;  // 32 octets
  std::optional<std::string> secret_key;
};

absl::StatusOr<std::string> read_small_file(const std::string& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return absl::NotFoundError(absl::StrCat(path, ": ", error.message()));
  if (size > kMaxKeyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", size, " octets, more than a key file holds"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return absl::UnavailableError(absl::StrCat(path, ": cannot be read"));
  return text.str();
}

// Reads lines `public_key = "..."` and `secret_key = "..."`; comments and blank lines pass.
absl::StatusOr<KeyFile> parse_key_file(const std::string& path) {
  absl::StatusOr<std::string> text = read_small_file(path);
  if (!text.ok()) return text.status();
  KeyFile file;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": ", what));
    };
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos) return bad("expected name = \"key\"");
    const absl::string_view name = absl::StripAsciiWhitespace(line.substr(0, equals));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(equals + 1));
    if (!absl::ConsumePrefix(&value, "\"") || !absl::ConsumeSuffix(&value, "\"")) {
      return bad(absl::StrCat(name, ": expected a quoted key"));
    }
    std::optional<std::string>* slot = name == "public_key"   ? &file.public_key
                                       : name == "secret_key" ? &file.secret_key
                                                              : nullptr;
    if (slot == nullptr) {
      return bad(absl::StrCat("unknown key '", name, "': expected public_key or secret_key"));
    }
    absl::StatusOr<std::string> key = decode_z85_key(as_std(value));
    if (!key.ok()) return bad(absl::StrCat(name, ": ", key.status().message()));
    *slot = *std::move(key);
  }
  return file;
}

}  // namespace

NodeKeyPair generate_node_key_pair() {
  const socket::CurveKeyPair pair = socket::curve_keypair();
  return NodeKeyPair{.public_key = *socket::z85_decode(pair.public_key),
                     .secret_key = *socket::z85_decode(pair.secret_key)};
}

absl::Status write_node_key_files(const std::string& path, const NodeKeyPair& key_pair) {
  if (std::filesystem::exists(path)) {
    return absl::AlreadyExistsError(
        absl::StrCat(path, ": exists; a key pair is never overwritten"));
  }
  const std::string public_line =
      absl::StrCat("public_key = \"", encode_z85_key(key_pair.public_key), "\"\n");
  {
    // Created owner-only before the secret goes in.
    std::ofstream out(path, std::ios::binary);
    if (!out) return absl::UnavailableError(absl::StrCat(path, ": cannot be created"));
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    out << "# bossa node key pair, written by `bossa-node keygen`: keep it secret\n"
        << public_line << "secret_key = \"" << encode_z85_key(key_pair.secret_key) << "\"\n";
    if (!out.flush()) return absl::UnavailableError(absl::StrCat(path, ": cannot be written"));
  }
  // Written aside and renamed into place: a node watching the directory (trusted_keys_dir) never
  // reads it half written.
  const std::string public_path = absl::StrCat(path, ".pub");
  const std::string partial_path = absl::StrCat(public_path, ".partial");
  {
    std::ofstream out(partial_path, std::ios::binary | std::ios::trunc);
    out << "# bossa node public key: give it to the nodes that are to trust this one\n"
        << public_line;
    if (!out.flush()) {
      return absl::UnavailableError(absl::StrCat(public_path, ": cannot be written"));
    }
  }
  std::error_code error;
  std::filesystem::rename(partial_path, public_path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat(public_path, ": cannot be written: ", error.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<NodeKeyPair> read_node_key_pair(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": no such key file"));
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(path,
                     ": others than its owner may read it; a secret key file must be mode "
                     "0600 (chmod 600 ",
                     path, ")"));
  }
  absl::StatusOr<KeyFile> file = parse_key_file(path);
  if (!file.ok()) return file.status();
  if (!file->public_key || !file->secret_key) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": a key pair file needs both public_key and secret_key"));
  }
  absl::StatusOr<std::string> derived = socket::curve_public(*file->secret_key);
  if (!derived.ok() || *socket::z85_decode(*derived) != *file->public_key) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": public_key is not the public key of secret_key"));
  }
  return NodeKeyPair{.public_key = *std::move(file->public_key),
                     .secret_key = *std::move(file->secret_key)};
}

absl::StatusOr<std::string> read_public_key_file(const std::string& path) {
  absl::StatusOr<KeyFile> file = parse_key_file(path);
  if (!file.ok()) return file.status();
  if (!file->public_key) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no public_key"));
  }
  return *std::move(file->public_key);
}

absl::StatusOr<std::vector<std::string>> read_trusted_keys_dir(const std::string& dir) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".pub") paths.push_back(entry.path().string());
  }
  if (error) return absl::NotFoundError(absl::StrCat(dir, ": ", error.message()));
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> keys;
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> key = read_public_key_file(path);
    if (!key.ok()) return key.status();
    keys.push_back(*std::move(key));
  }
  return keys;
}

absl::StatusOr<std::string> decode_z85_key(std::string_view text) {
  if (text.size() != zmtp::kCurveKeyZ85Size) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", zmtp::kCurveKeyZ85Size, " characters of Z85, got ", text.size()));
  }
  absl::StatusOr<std::string> key = socket::z85_decode(text);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected 40 characters of Z85: ", key.status().message()));
  }
  return key;
}

std::string encode_z85_key(std::string_view key) {
  return *socket::z85_encode(key);
}

}  // namespace bossa::transport
