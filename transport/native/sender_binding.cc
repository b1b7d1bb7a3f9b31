#include "transport/native/sender_binding.h"

#include "absl/strings/str_cat.h"

namespace bossa::transport {

absl::Status SenderBinding::admit(uint32_t sender, uint64_t pipe,
                                  absl::FunctionRef<State(uint64_t)> state) {
  if (pipe == last_pipe_ && sender == last_sender_ && pipe != 0) return absl::OkStatus();
  if (auto speaker = node_of_pipe_.find(pipe); speaker != node_of_pipe_.end()) {
    if (speaker->second != sender) {
      return absl::PermissionDeniedError(absl::StrCat("connection ", pipe, " speaks for node ",
                                                      speaker->second, ", not for node ", sender));
    }
  } else {
    if (auto bound = pipe_of_node_.find(sender);
        bound != pipe_of_node_.end() && state(bound->second) == State::kOpen) {
      return absl::PermissionDeniedError(absl::StrCat("node ", sender, " speaks on connection ",
                                                      bound->second,
                                                      ", which is open, not on connection ", pipe));
    }
    pipe_of_node_[sender] = pipe;
    node_of_pipe_[pipe] = sender;
  }
  last_sender_ = sender;
  last_pipe_ = pipe;
  return absl::OkStatus();
}

void SenderBinding::sweep(absl::FunctionRef<State(uint64_t)> state) {
  for (auto it = node_of_pipe_.begin(); it != node_of_pipe_.end();) {
    const auto [pipe, node] = *it;
    if (state(pipe) != State::kGone) {
      ++it;
      continue;
    }
    if (auto newest = pipe_of_node_.find(node);
        newest != pipe_of_node_.end() && newest->second == pipe) {
      pipe_of_node_.erase(newest);
    }
    if (pipe == last_pipe_) last_pipe_ = 0;
    node_of_pipe_.erase(it++);
  }
}

}  // namespace bossa::transport
