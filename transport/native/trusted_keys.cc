#include "transport/native/trusted_keys.h"

#include <system_error>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "transport/node_keys.h"

namespace bossa::transport {

TrustedKeys::TrustedKeys(const TransportConfig& config,
                         std::shared_ptr<socket::Authenticator> authenticator)
    : config_(config), authenticator_(std::move(authenticator)) {}

absl::Status TrustedKeys::load() {
  return read();
}

absl::Status TrustedKeys::read() {
  absl::flat_hash_set<std::string> keys(config_.trusted_keys.begin(), config_.trusted_keys.end());
  keys.insert(config_.public_key);
  if (!config_.trusted_keys_dir.empty()) {
    std::error_code error;
    const std::filesystem::file_time_type time =
        std::filesystem::last_write_time(config_.trusted_keys_dir, error);
    if (error) {
      return absl::NotFoundError(absl::StrCat("transport.trusted_keys_dir ",
                                              config_.trusted_keys_dir, ": ", error.message()));
    }
    absl::StatusOr<std::vector<std::string>> listed =
        read_trusted_keys_dir(config_.trusted_keys_dir);
    if (!listed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("transport.trusted_keys_dir: ", listed.status().message()));
    }
    keys.insert(listed->begin(), listed->end());
    dir_time_ = time;
  }
  size_ = keys.size();
  authenticator_->set_curve_keys("", std::move(keys));
  return absl::OkStatus();
}

void TrustedKeys::refresh(TimePoint now, absl::FunctionRef<void(std::string_view)> log) {
  if (config_.trusted_keys_dir.empty() || now < next_refresh_) return;
  next_refresh_ = now + kRefreshInterval;
  std::error_code error;
  std::filesystem::file_time_type time =
      std::filesystem::last_write_time(config_.trusted_keys_dir, error);
  if (error) time = std::filesystem::file_time_type::min();
  // A directory whose last reading failed is read again at every look (a file in it may have
  // been written in place since, which leaves the directory's time as it was); the problem is
  // said once per change of the directory.
  if (time == dir_time_ && !unread_) return;
  const bool changed = time != dir_time_;
  dir_time_ = time;
  const size_t before = size_;
  if (absl::Status read = this->read(); !read.ok()) {
    if (changed || !unread_) {
      log(absl::StrCat(read.message(), "; the ", before, " keys trusted before stay"));
    }
    unread_ = true;
    return;
  }
  unread_ = false;
  log(absl::StrCat("transport.trusted_keys_dir changed: ", size_, " keys trusted (", before,
                   " before)"));
}

}  // namespace bossa::transport
