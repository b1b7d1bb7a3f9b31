#include "transport/native/trusted_keys.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "transport/node_keys.h"

namespace bossa::transport {

TrustedKeys::TrustedKeys(const TransportConfig& config,
                         std::shared_ptr<socket::Authenticator> authenticator)
    : config_(config), authenticator_(std::move(authenticator)) {}

namespace {

// What the directory's *.pub files are now, as names, sizes and modification times: a file added,
// removed, renamed, or written into (in place) changes it. Empty if the directory cannot be read.
std::string listing_of(const std::string& dir) {
  std::error_code error;
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() != ".pub") continue;
    std::error_code unread;
    const auto size = entry.file_size(unread);
    const auto time = entry.last_write_time(unread);
    entries.push_back(absl::StrCat(entry.path().filename().string(), "/", size, "/",
                                   time.time_since_epoch().count()));
  }
  if (error) return {};
  std::sort(entries.begin(), entries.end());
  return absl::StrJoin(entries, "\n");
}

}  // namespace

absl::Status TrustedKeys::load() {
  if (!config_.trusted_keys_dir.empty()) listing_ = listing_of(config_.trusted_keys_dir);
  return read();
}

absl::Status TrustedKeys::read() {
  absl::flat_hash_set<std::string> keys(config_.trusted_keys.begin(), config_.trusted_keys.end());
  keys.insert(config_.public_key);
  if (!config_.trusted_keys_dir.empty()) {
    absl::StatusOr<std::vector<std::string>> listed =
        read_trusted_keys_dir(config_.trusted_keys_dir);
    if (!listed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("transport.trusted_keys_dir: ", listed.status().message()));
    }
    keys.insert(listed->begin(), listed->end());
  }
  size_ = keys.size();
  authenticator_->set_curve_keys("", std::move(keys));
  return absl::OkStatus();
}

void TrustedKeys::refresh(TimePoint now, absl::FunctionRef<void(std::string_view)> log) {
  if (config_.trusted_keys_dir.empty() || now < next_refresh_) return;
  next_refresh_ = now + kRefreshInterval;
  // Looked at before the reading: a change made while it reads is seen at the next look. A
  // problem is said once per change (a file read half written is read again once it is whole).
  std::string listing = listing_of(config_.trusted_keys_dir);
  if (listing == listing_) return;
  listing_ = std::move(listing);
  const size_t before = size_;
  if (absl::Status read = this->read(); !read.ok()) {
    log(absl::StrCat(read.message(), "; the ", before, " keys trusted before stay"));
    return;
  }
  log(absl::StrCat("transport.trusted_keys_dir changed: ", size_, " keys trusted (", before,
                   " before)"));
}

}  // namespace bossa::transport
