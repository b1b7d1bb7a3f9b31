// Ack: the reply of a request that succeeded and has nothing else to say.
//
// Behaviour requests that only confirm (terminate_child, add_handler, sync_notify, ...) answer with
// an Ack on success and with an ErrorReply, whose status says what was wrong, on failure; the
// caller sees absl::StatusOr<Ack>.
#pragma once

namespace bossa {

struct Ack {};

}  // namespace bossa
