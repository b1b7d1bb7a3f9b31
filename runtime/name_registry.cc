#include "runtime/name_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"

namespace bossa {
absl::Status NameRegistry::insert(std::string name, Pid pid) {
  MutexLock lock(mutex_);
  if (auto it = by_name_.find(as_absl(name)); it != by_name_.end()) {
    return absl::AlreadyExistsError(
        absl::StrCat("name '", name, "' is already registered to ", it->second.to_string()));
  }
  if (auto it = by_pid_.find(pid); it != by_pid_.end()) {
    return absl::AlreadyExistsError(
        absl::StrCat(pid.to_string(), " is already registered as '", it->second, "'"));
  }
  by_pid_.emplace(pid, name);
  by_name_.emplace(std::move(name), pid);
  return absl::OkStatus();
}

absl::Status NameRegistry::erase(std::string_view name) {
  MutexLock lock(mutex_);
  auto it = by_name_.find(as_absl(name));
  if (it == by_name_.end()) {
    return absl::NotFoundError(absl::StrCat("name '", as_absl(name), "' is not registered"));
  }
  by_pid_.erase(it->second);
  by_name_.erase(it);
  return absl::OkStatus();
}

void NameRegistry::erase_pid(Pid pid) {
  MutexLock lock(mutex_);
  auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return;
  by_name_.erase(it->second);
  by_pid_.erase(it);
}

std::optional<Pid> NameRegistry::find(std::string_view name) const {
  SharedLock lock(mutex_);
  auto it = by_name_.find(as_absl(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> NameRegistry::names() const {
  std::vector<std::string> result;
  {
    SharedLock lock(mutex_);
    result.reserve(by_name_.size());
    for (const auto& [name, pid] : by_name_) result.push_back(name);
  }
  std::sort(result.begin(), result.end());
  return result;
}

}  // namespace bossa
