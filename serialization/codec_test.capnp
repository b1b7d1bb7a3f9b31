# Test-only schema for the Cap'n Proto struct codec tests.
@0x8097a2f989e84cfd;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bossa::test");

struct Point {
  x @0 :Int32;
  y @1 :Int32;
  label @2 :Text;
  tags @3 :List(Text);
}
