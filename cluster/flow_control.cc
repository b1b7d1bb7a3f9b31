#include "cluster/flow_control.h"

#include <utility>
#include <vector>

namespace bossa {

FlowControl::FlowControl(Runtime& runtime, SendSignal send_signal)
    : runtime_(runtime), send_signal_(std::move(send_signal)) {}

FlowControl::~FlowControl() {
  stop();
}

FlowControl::Admission FlowControl::admit_paused(Pid to) {
  MutexLock lock(mutex_);
  auto it = paused_.find(to);
  if (it == paused_.end()) return Admission::kSend;
  if (it->second == OverflowPolicy::kDropNewest) return Admission::kDrop;
  if (it->second == OverflowPolicy::kFail || !runtime_.may_block_here()) return Admission::kRefuse;
  // In slices, to notice a runtime that is shutting down (which waits for this thread).
  while (!stopped_ && paused_.contains(to)) {
    if (runtime_.stopping()) return Admission::kStopped;
    resumed_.wait_for(mutex_, kStopCheckInterval);
  }
  return stopped_ ? Admission::kStopped : Admission::kSend;
}

void FlowControl::paused(Pid actor, OverflowPolicy policy) {
  MutexLock lock(mutex_);
  if (paused_.insert_or_assign(actor, policy).second) paused_count_.fetch_add(1);
}

void FlowControl::resumed(Pid actor) {
  {
    MutexLock lock(mutex_);
    if (paused_.erase(actor) == 0) return;
    paused_count_.fetch_sub(1);
  }
  resumed_.notify_all();
}

namespace {

// exit(pid, kill), which nothing can trap.
bool is_kill(MailboxElement& element) {
  const ExitMsg* exit = element.get_if<ExitMsg>();
  return element.kind == MessageKind::kExit && exit != nullptr &&
         exit->reason.kind() == ExitReason::Kind::kKill;
}

}  // namespace

bool FlowControl::park_behind(Pid to, ElementPtr& element, uint32_t from) {
  if (parked_count_.load(std::memory_order_acquire) == 0) return false;
  MutexLock lock(mutex_);
  auto it = parked_.find(to);
  if (it == parked_.end() || it->second.policy != OverflowPolicy::kBlock) return false;
  // Behind what is parked already: the order per sender holds.
  Parked& parked = it->second;
  if (from != 0 && parked.paused_nodes.insert(from).second) {
    send_signal_(from, EnvelopeKind::kPause, to, OverflowPolicy::kBlock);
  }
  parked.messages.push_back(std::move(element));
  return true;
}

void FlowControl::deliver_past_room(uint32_t from, Pid to, ElementPtr element,
                                    Runtime::Recipient& last) {
  if (park_behind(to, element, from)) return;
  if (runtime_.offer_local(to, element, last) != OfferResult::kFull) return;
  refuse_full(from, to, std::move(element), last);
}

void FlowControl::refuse_full(uint32_t from, Pid to, ElementPtr element, Runtime::Recipient& last) {
  const ActorPtr actor = last.actor;
  const OverflowPolicy policy = actor->mailbox_limit().policy;
  bool added;
  {
    MutexLock lock(mutex_);
    auto [it, inserted] = parked_.try_emplace(to);
    added = inserted;
    Parked& parked = it->second;
    if (added) {
      parked_count_.fetch_add(1, std::memory_order_release);
      parked.actor = actor;
      parked.policy = policy;
    }
    if (parked.paused_nodes.insert(from).second) {
      send_signal_(from, EnvelopeKind::kPause, to, policy);
    }
    if (policy == OverflowPolicy::kBlock) parked.messages.push_back(std::move(element));
  }
  if (element != nullptr) runtime_.report_dead_letter(to, std::move(element), "mailbox full");
  if (added) await_room(actor);
}

void FlowControl::deliver_signal(Pid to, ElementPtr element) {
  // A kill acts at once, whatever is parked: nothing can trap it, so no order is seen.
  if (!is_kill(*element) && park_behind(to, element, 0)) return;
  runtime_.deliver_local(to, std::move(element));
}

void FlowControl::await_room(const ActorPtr& actor) {
  // At once, on this thread, if the mailbox has drained meanwhile.
  actor->call_when_room([this, pid = actor->pid()] { on_room(pid); });
}

void FlowControl::on_room(Pid pid) {
  for (;;) {
    ActorPtr actor;
    std::deque<ElementPtr> batch;
    {
      MutexLock lock(mutex_);
      auto it = parked_.find(pid);
      if (it == parked_.end()) return;
      actor = it->second.actor;
      batch.swap(it->second.messages);
    }
    // Outside the lock: an offer to an actor that has stopped makes a dead letter, which runs the
    // dead-letter handler. What arrives meanwhile parks behind.
    while (!batch.empty() && actor->offer(batch.front()) != OfferResult::kFull) batch.pop_front();
    MutexLock lock(mutex_);
    auto it = parked_.find(pid);  // only on_room erases it, and one runs at a time
    Parked& parked = it->second;
    if (!batch.empty()) {
      // Full again before all went in: the rest goes back ahead of what came meanwhile.
      while (!batch.empty()) {
        parked.messages.push_front(std::move(batch.back()));
        batch.pop_back();
      }
      lock.unlock();
      await_room(actor);
      return;
    }
    if (!parked.messages.empty()) continue;  // more came meanwhile
    for (uint32_t node : parked.paused_nodes) {
      send_signal_(node, EnvelopeKind::kResume, pid, OverflowPolicy::kBlock);
    }
    parked_.erase(it);
    parked_count_.fetch_sub(1, std::memory_order_release);
    return;
  }
}

void FlowControl::node_down(uint32_t node) {
  {
    MutexLock lock(mutex_);
    absl::erase_if(paused_, [&](const auto& entry) { return entry.first.node == node; });
    paused_count_.store(paused_.size());
    for (auto& [actor, parked] : parked_) parked.paused_nodes.erase(node);
  }
  resumed_.notify_all();
}

void FlowControl::stop() {
  {
    MutexLock lock(mutex_);
    stopped_ = true;
  }
  resumed_.notify_all();
}

}  // namespace bossa
