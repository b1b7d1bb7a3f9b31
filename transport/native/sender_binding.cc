#include "transport/native/sender_binding.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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
    Pipes& pipes = pipes_of_node_[sender];
    uint64_t* free = nullptr;
    for (uint64_t& bound : pipes) {
      if (bound == 0 || state(bound) != State::kOpen) {
        free = &bound;
        break;
      }
    }
    if (free == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat("node ", sender, " speaks on connections ", absl::StrJoin(pipes, " and "),
                       ", which are open, not on connection ", pipe));
    }
    *free = pipe;
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
    if (auto newest = pipes_of_node_.find(node); newest != pipes_of_node_.end()) {
      bool any = false;
      for (uint64_t& bound : newest->second) {
        if (bound == pipe) bound = 0;
        any = any || bound != 0;
      }
      if (!any) pipes_of_node_.erase(newest);
    }
    if (pipe == last_pipe_) last_pipe_ = 0;
    node_of_pipe_.erase(it++);
  }
}

}  // namespace bossa::transport
