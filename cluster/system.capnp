# The cluster layer's own payloads: what nodes say to one another about exits, monitors, names,
# remote calls and spawns. Carried in envelopes (serialization/envelope.capnp): ExitReason in
# exit / linkExit envelopes, Down in down envelopes, the types registered under "bossa.*" names
# as ordinary payloads, and SystemMessage in system envelopes.
#
# Field and enumerant numbers are wire numbers: they never change; new ones are appended.
@0xb43f1e8c2d5a6f91;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bossa::wire");

using Envelope = import "/serialization/envelope.capnp";

struct ExitReason {
  enum Kind {
    normal @0;
    shutdown @1;
    kill @2;
    killed @3;
    noproc @4;
    noconnection @5;
    error @6;
  }
  kind @0 :Kind;
  detail @1 :Text;   # what went wrong (kind error), or why (kind shutdown, may be empty)
}

# A monitored process stopped: envelope kind down, from = the process, correlation id = the monitor.
struct Down {
  reason @0 :ExitReason;
}

# The payload of a reply that failed ("bossa.error").
struct Error {
  code @0 :UInt32;     # an absl::StatusCode
  message @1 :Text;
}

# "bossa.rpc_call" and "bossa.spawn_request": a request (an rpc call may also be a plain message)
# to a node's service process, naming a registered function or actor factory and its arguments.
# The reply is the function's result, or for a spawn a "bossa.pid"; or a "bossa.error".
struct Call {
  target @0 :Text;       # the function or factory name
  argsType @1 :UInt64;   # wire type id of args
  args @2 :Data;
}

# Global names (see cluster/global_names.h for the protocol): a claim goes to the name's home
# node, which answers with a grant or a deny; the claimant then sends its commit to every node.
struct NameEntry {
  name @0 :Text;
  pid @1 :Envelope.Pid;
}

# One registered message type of a node (cluster/type_tables.h).
struct TypeEntry {
  id @0 :UInt64;        # its wire type id
  name @1 :Text;        # the name it is registered under
  cxxType @2 :Text;     # its C++ type as written, for people to read
}

struct SystemMessage {
  union {
    nameClaim :group {      # to the home: may entry.pid have entry.name? answered by grant or deny
      claim @0 :UInt64;
      entry @1 :NameEntry;
    }
    nameGrant @2 :UInt64;   # from the home: the claim id; the name is reserved for the claimant
    nameDeny :group {       # from the home: the name is held, or reserved for `holder`
      claim @3 :UInt64;
      holder @4 :Envelope.Pid;
    }
    nameCommit @5 :NameEntry;   # to every node: the claimant won, the name is registered
    nameRelease @6 :NameEntry;  # to every node: unregistered; to the home: the claimant gave up
    nameSync @7 :List(NameEntry);  # to a node that came up: the names the sender's actors hold
    nameCommits @8 :List(NameEntry);  # to every node: several commits at once, in order
    typeDigest @9 :UInt64;          # to a node that came up: the digest of the sender's types
    typeTable @10 :List(TypeEntry);  # to a node whose digest differs: the sender's types
    typeUnread :group {     # to the node a message came from: it could not be read here
      typeId @11 :UInt64;
      to @12 :Envelope.Pid;
      from @13 :Envelope.Pid;
      reason @14 :Text;
    }
  }
}
