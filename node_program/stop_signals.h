// Waiting for SIGINT / SIGTERM without a signal handler.
//
//   block_stop_signals();           // first thing, before any thread starts
//   ... start threads, which inherit the blocked mask ...
//   int signal = await_stop_signal();  // SIGINT or SIGTERM, taken synchronously
//   unblock_stop_signals();         // from now on a second one ends the process
//
// The two signals are blocked in the calling thread, and so in every thread it starts afterwards;
// await_stop_signal takes one with sigwait, so whatever follows runs as ordinary code, with no
// async-signal-safety limits. A child process started by fork inherits the blocked mask: unblock
// them (unblock_stop_signals) in the child before exec.
#pragma once

namespace bossa {

void block_stop_signals();
void unblock_stop_signals();
// Blocks until SIGINT or SIGTERM arrives; returns it.
int await_stop_signal();

}  // namespace bossa
