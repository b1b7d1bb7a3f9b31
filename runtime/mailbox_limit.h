// MailboxLimit: how many messages an actor's mailbox takes, and what a send beyond that does.
//
// The limit counts what Mailbox::depth counts: everything queued for the actor, fetched or not.
// Only messages (kUser, kRequest) can be refused; exit signals, replies, timer ticks and the
// runtime's DownMsg deliveries always get in (and count), so that an actor can always be stopped,
// answered and told. A send that finds the mailbox at capacity does, by policy:
//   kBlock      the sender waits for room (until the depth falls to the low-water mark,
//               capacity / 2), if it may block: a threaded actor, a ScopedActor, any thread that
//               is not a scheduler worker (Runtime::may_block_here). A sender on a worker (an
//               evented or coroutine actor) never blocks: its message is refused as under kFail.
//   kFail       the message becomes a dead letter ("mailbox full") and the send returns
//               ResourceExhausted naming the target: the sender can slow down or give up.
//   kDropNewest the message becomes a dead letter ("mailbox full") and the send returns OK, as a
//               tell into a full bounded mailbox in Akka: the sender is not told, the dead-letter
//               count and handler are.
// Many senders at once can overfill a mailbox by a few messages (each looks, then pushes), and a
// run of elements pushed together (Runtime::Recipient) by up to the run's length: the memory is
// still bounded. Capacity 0 means unbounded, which must be asked for (MailboxLimit::unbounded()).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bossa {

// The capacity of a mailbox unless the runtime or the spawn says otherwise.
inline constexpr size_t kDefaultMailboxCapacity = 1'000'000;

enum class OverflowPolicy : uint8_t { kBlock, kDropNewest, kFail };

struct MailboxLimit {
  size_t capacity = kDefaultMailboxCapacity;  // messages; 0: unbounded
  OverflowPolicy policy = OverflowPolicy::kBlock;

  static constexpr MailboxLimit unbounded() { return MailboxLimit{.capacity = 0}; }
  constexpr bool bounded() const noexcept { return capacity != 0; }
  // Where a full mailbox counts as having room again (Actor::call_when_room).
  constexpr size_t low_water() const noexcept { return capacity / 2; }
};

// What Actor::offer did with an element: queued it; left it with the caller because the mailbox
// is full (no dead letter: the caller parks it and asks call_when_room); or found the actor
// stopped (the element became a dead letter).
enum class OfferResult : uint8_t { kQueued, kFull, kStopped };

}  // namespace bossa
