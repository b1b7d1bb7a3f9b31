#include "cluster/signal_order.h"

#include <utility>

namespace bossa {

SignalOrder::Inbound& SignalOrder::inbound(uint32_t from) {
  if (cached_inbound_ == nullptr || cached_from_ != from) {
    cached_inbound_ = &inbound_[from];
    cached_from_ = from;
  }
  return *cached_inbound_;
}

bool SignalOrder::hold(uint32_t from, Held& signal) {
  Inbound& in = inbound(from);
  // Behind one already held, it waits too: signals keep their own order.
  if (in.held.empty() && signal.watermark <= in.received) return false;
  in.held.push_back(std::move(signal));
  ++holding_;
  return true;
}

void SignalOrder::take_due(uint32_t from, Clock::time_point now, std::vector<Held>& due) {
  auto take = [&](Inbound& inbound) {
    while (!inbound.held.empty() && (inbound.held.front().watermark <= inbound.received ||
                                     now - inbound.held.front().since >= kMaxHold)) {
      due.push_back(std::move(inbound.held.front()));
      inbound.held.pop_front();
      --holding_;
    }
  };
  if (from != 0) {
    if (auto it = inbound_.find(from); it != inbound_.end()) take(it->second);
    return;
  }
  for (auto& [node, inbound] : inbound_) take(inbound);
}

void SignalOrder::node_down(uint32_t node, std::vector<Held>& due) {
  cached_inbound_ = nullptr;
  auto it = inbound_.find(node);
  if (it == inbound_.end()) return;
  holding_ -= it->second.held.size();
  for (Held& held : it->second.held) due.push_back(std::move(held));
  inbound_.erase(it);
}

}  // namespace bossa
