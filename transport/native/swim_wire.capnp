# The membership protocol's messages between native-transport nodes (transport/native/swim.h).
#
# Field numbers are wire numbers: they never change; new fields are appended. What each kind
# means and which fields it uses is specified in transport/native/swim_wire.h.
@0xe03fbb9b50e695d1;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bossa::transport::swim_wire");

# A node: one run of a bossa node, named and reachable.
struct Node {
  id @0 :UInt32;         # drawn at start, new on every start
  name @1 :Text;         # unique in the cluster
  endpoint @2 :Text;     # where its inbound socket listens
  key @3 :Data;          # its CURVE public key, 32 octets; empty when it runs without security
}

# What one node says of another: its status in one of its lives.
struct Update {
  node @0 :Node;
  status @1 :UInt8;         # 0 alive, 1 suspect, 2 dead, 3 left
  incarnation @2 :UInt32;   # raised by the node to refute a suspicion
  epoch @3 :UInt32;         # raised by the node each time it learns it was declared dead
  by @4 :UInt32;            # suspect: the accuser; dead: who declared it; else 0
  replaced @5 :Bool;        # dead: a new run took its name or endpoint (`by` is its id)
  byEpoch @6 :UInt32;       # the epoch `by` was in when it said so
}

struct Message {
  kind @0 :UInt8;                # swim_wire.h's SwimKind
  sender @1 :Node;
  senderIncarnation @2 :UInt32;
  senderEpoch @3 :UInt32;
  senderMembers @4 :UInt32;      # how many members the sender has up
  target @5 :UInt32;             # the id the message is meant for; 0 when not known (a seed)
  seq @6 :UInt32;                # Ping, PingReq, Ack, Nack: the probe it belongs to
  probe @7 :Node;                # PingReq: the node to probe
  updates @8 :List(Update);      # piggybacked updates; State: members the sender knows
  digests @9 :List(UInt64);      # Sync: digests of the sender's live members (swim_wire.h)
  buckets @10 :UInt32;           # Sync: the coarse buckets whose fine digests follow
  fine @11 :List(UInt64);        # Sync: the fine buckets wanted; State: those it holds
  reason @12 :Text;              # Refuse: why
}
