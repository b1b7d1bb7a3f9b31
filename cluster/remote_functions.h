// RemoteFunctions: the functions (rpc) and actor factories a node lets other nodes call by name.
//
// Entries are type-erased by Node::register_rpc / register_factory, which decode the arguments
// and answer through the ResponsePromise (an empty promise for a fire-and-forget rpc_call). An
// entry may run on any scheduler worker, several at once. Registering a name twice is
// AlreadyExists. Thread-safety: every member may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "base/string_view_bridge.h"
#include "cluster/system_types.h"
#include "runtime/actor.h"

namespace bossa {

class RemoteFunctions {
 public:
  using Function = std::function<void(const RpcCall& call, ResponsePromise promise)>;
  using Factory = std::function<void(const SpawnRequest& request, ResponsePromise promise)>;

  absl::Status add_function(std::string name, Function function) {
    MutexLock lock(mutex_);
    return add(functions_, "a function", std::move(name), std::move(function));
  }
  absl::Status add_factory(std::string name, Factory factory) {
    MutexLock lock(mutex_);
    return add(factories_, "an actor factory", std::move(name), std::move(factory));
  }
  // The entry, or nullptr if none has that name.
  std::shared_ptr<const Function> function(std::string_view name) const {
    MutexLock lock(mutex_);
    return find(functions_, name);
  }
  std::shared_ptr<const Factory> factory(std::string_view name) const {
    MutexLock lock(mutex_);
    return find(factories_, name);
  }

 private:
  template <class F>
  using Table = absl::flat_hash_map<std::string, std::shared_ptr<const F>>;

  template <class F>
  absl::Status add(Table<F>& table, std::string_view what, std::string name, F entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (table.contains(name)) {
      return absl::AlreadyExistsError(
          absl::StrCat(as_absl(what), " named '", name, "' is already registered"));
    }
    table.emplace(std::move(name), std::make_shared<const F>(std::move(entry)));
    return absl::OkStatus();
  }
  template <class F>
  std::shared_ptr<const F> find(const Table<F>& table, std::string_view name) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    auto it = table.find(as_absl(name));
    return it == table.end() ? nullptr : it->second;
  }

  mutable Mutex mutex_;
  Table<Function> functions_ ABSL_GUARDED_BY(mutex_);
  Table<Factory> factories_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace bossa
