# The bossa wire envelope: what one node sends another for every message, signal and request.
#
# Every field number and enumerant number below is a wire number: it never changes. New fields are
# only ever appended with the next free number. The C++ mirror lives in serialization/envelope.h.
@0xa7d4e82e8b124c63;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bossa::wire");

using Value = import "value.capnp".Value;

# A process id on the wire: the node that hosts the process and the process's serial on that node.
struct Pid {
  node @0 :UInt32;
  serial @1 :UInt64;
}

# What an envelope carries. Numbers are wire numbers and never change.
enum Kind {
  user @0;       # an ordinary message to a mailbox
  exit @1;       # exit signal to a linked process
  down @2;       # monitor notification
  link @3;       # link request
  unlink @4;     # unlink request
  monitor @5;    # monitor request
  demonitor @6;  # demonitor request
  request @7;    # request that expects a reply with the same correlation id
  reply @8;      # reply to a request
  system @9;     # node-level control traffic
  linkExit @10;  # exit signal of a linked process that stopped (exit is exit(pid, reason))
  pause @11;     # "my mailbox is full": the receiving node holds back messages to `from`;
                 # correlationId is its policy: 0 block, 1 dropNewest, 2 fail
  resume @12;    # "my mailbox has room again": it sends to `from` again
}

struct Envelope {
  to @0 :Pid;
  from @1 :Pid;
  kind @2 :Kind;
  correlationId @3 :UInt64;  # matches a reply to its request; 0 when unused
  typeId @4 :UInt64;         # wire type id of the payload (see serialization/codec_registry.h);
                             # exit, linkExit, down: the number of user, request and reply
                             # envelopes the sender had sent the receiving node before this one
                             # (they travel apart; the receiver restores their order with it)
  toName @5 :Text;           # registered name of the receiver; empty unless addressed by name
  payload @6 :Data;          # the encoded message, usually a Value (serialization/value.capnp)
  value @7 :Value;           # the message itself, in place, when its codec writes a Value; then
                             # payload is empty. A reader takes value when it is set, else payload.
}
