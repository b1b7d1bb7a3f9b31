// Node keys: the CURVE key pair a node of the native transport authenticates with, and the
// public keys it trusts, as files (docs/security.md).
//
//   alpha.key      the key pair, readable by its owner only (mode 0600; a file others can read
//                  is refused), written by `bossa-node keygen alpha.key`:
//                    # bossa node key pair: keep it secret
//                    public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
//                    secret_key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
//   alpha.key.pub  the public key alone, for the other nodes' trusted_keys_dir
//
// Both are TOML, each key 40 characters of Z85; keys in memory are 32 raw octets. Errors name
// the file and what is wrong with it. Thread-safety: free functions, from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bossa::transport {

struct NodeKeyPair {
  std::string public_key;  // 32 octets
  std::string secret_key;  // 32 octets
};

// A fresh key pair from the system's random source.
NodeKeyPair generate_node_key_pair();

// Writes `key_pair` to `path` (mode 0600) and its public key to `path`.pub. AlreadyExists if
// `path` exists: a key pair is never overwritten.
absl::Status write_node_key_files(const std::string& path, const NodeKeyPair& key_pair);

// The key pair in the file at `path`: both keys present, the public one that of the secret one,
// and the file not readable by group or others.
absl::StatusOr<NodeKeyPair> read_node_key_pair(const std::string& path);

// The public key in the file at `path` (a .pub file, or the public half of a key pair file).
absl::StatusOr<std::string> read_public_key_file(const std::string& path);

// The public keys of every file whose name ends in .pub in directory `dir`, in name order.
absl::StatusOr<std::vector<std::string>> read_trusted_keys_dir(const std::string& dir);

// A key as a file or config writes it (40 characters of Z85) as 32 octets; InvalidArgument
// otherwise. And back.
absl::StatusOr<std::string> decode_z85_key(std::string_view text);
std::string encode_z85_key(std::string_view key);

}  // namespace bossa::transport
