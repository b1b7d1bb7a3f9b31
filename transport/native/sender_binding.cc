#include "transport/native/sender_binding.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bossa::transport {

absl::Status SenderBinding::admit(uint32_t sender, uint64_t pipe, TimePoint now,
                                  absl::FunctionRef<State(uint64_t)> state) {
  if (pipe == last_pipe_ && sender == last_sender_ && pipe != 0) {
    last_speaker_->last_frame = now;
    return absl::OkStatus();
  }
  if (auto speaker = node_of_pipe_.find(pipe); speaker != node_of_pipe_.end()) {
    if (speaker->second.node != sender) {
      return absl::PermissionDeniedError(absl::StrCat("connection ", pipe, " speaks for node ",
                                                      speaker->second.node, ", not for node ",
                                                      sender));
    }
    speaker->second.last_frame = now;
    last_speaker_ = &speaker->second;
  } else {
    Pipes& pipes = pipes_of_node_[sender];
    uint64_t* free = nullptr;
    uint64_t* quietest = nullptr;
    bool all_quiet = true;
    for (uint64_t& bound : pipes) {
      if (bound == 0 || state(bound) != State::kOpen) {
        free = &bound;
        break;
      }
      const TimePoint last = node_of_pipe_.at(bound).last_frame;
      all_quiet = all_quiet && now - last > quiet_limit_;
      if (quietest == nullptr || last < node_of_pipe_.at(*quietest).last_frame) quietest = &bound;
    }
    if (free == nullptr && all_quiet) {
      // Open, but the node has said nothing on them for the quiet limit: it speaks on a new
      // connection now, and the quietest old one takes no more of its frames.
      node_of_pipe_.erase(*quietest);
      free = quietest;
    }
    if (free == nullptr) {
      return absl::UnavailableError(absl::StrCat("node ", sender, " speaks on connections ",
                                                 absl::StrJoin(pipes, " and "),
                                                 ", which are open, not on connection ", pipe));
    }
    *free = pipe;
    last_speaker_ = &(node_of_pipe_[pipe] = Speaker{sender, now});
  }
  last_sender_ = sender;
  last_pipe_ = pipe;
  return absl::OkStatus();
}

void SenderBinding::sweep(absl::FunctionRef<State(uint64_t)> state) {
  for (auto it = node_of_pipe_.begin(); it != node_of_pipe_.end();) {
    const uint64_t pipe = it->first;
    const uint32_t node = it->second.node;
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
    node_of_pipe_.erase(it++);
    last_pipe_ = 0;  // the map changed: last_speaker_ may point nowhere
  }
}

}  // namespace bossa::transport
