// NameRegistry: the node's local names (Erlang's register / whereis).
//
// A name maps to one pid; a pid has at most one name. Names are released when their actor stops
// (the actor calls erase_pid) or on unregister.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "base/mutex.h"
#include "runtime/pid.h"

namespace bossa {

class NameRegistry {
 public:
  // AlreadyExists if the name is taken or the pid already has a name.
  absl::Status insert(std::string name, Pid pid);
  // NotFound if the name is not registered.
  absl::Status erase(std::string_view name);
  // Removes pid's name, if it has one.
  void erase_pid(Pid pid);
  std::optional<Pid> find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  mutable SharedMutex mutex_;
  absl::flat_hash_map<std::string, Pid> by_name_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<Pid, std::string> by_pid_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace bossa
