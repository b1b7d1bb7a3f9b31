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

# "Here I am, and these are the nodes I know." Sent to seeds, to the members a seed names, to peers
# this node declared down, and in answer to a Hello (a HelloReply).
struct Hello {
  self @0 :Member;
  members @1 :List(Member);
  # Set when the sender declared the receiver down (silent, stuck): the receiver's id and the
  # sender's number for that declaration, new at each. The receiver, if it still takes the sender
  # for a member, drops it first, once per number: both sides then see the other go down and up.
  downNode @2 :UInt32;
  downEpisode @3 :UInt64;
  # In a HelloReply: the downEpisode of the Hello it answers (0 if none). A node that declared the
  # replier down takes it back only through a reply that echoes its number.
  echoEpisode @4 :UInt64;
  # In a HelloReply: why the sender refuses the receiver (a node name a live member holds); empty
  # when it does not.
  refused @5 :Text;
}
