# The native transport's own messages between nodes (besides the envelopes it carries).
#
# Field numbers are wire numbers: they never change; new fields are appended. The frame layout
# around these structs is specified in transport/native/native_wire.h.
@0xd0f5c4a1e29b7734;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bossa::transport::wire");

# A node as the native transport knows it.
struct Member {
  id @0 :UInt32;         # chosen by the node at start, new on every start
  name @1 :Text;         # [node] name of its config
  endpoint @2 :Text;     # where its inbound socket listens
}

# "Here I am, and these are the nodes I know." Sent to seeds, to the members a seed names, and in
# answer to a Hello.
struct Hello {
  self @0 :Member;
  members @1 :List(Member);
}
