# The bossa Value: how built-in C++ values are encoded in a payload, so that a client in any language
# can decode them with this file alone.
#
# Field numbers are wire numbers: they never change; new alternatives are appended. C++ mapping (see
# serialization/builtin_codecs.h): bool -> bool; signed integers -> int64; unsigned integers -> uint64
# (decoders accept either integer alternative if the value fits); float -> float32; double -> float64;
# std::string -> text; bossa::Bytes -> data; std::vector -> list; std::tuple / std::pair -> tuple;
# std::optional -> none when empty, else the value's alternative; a Cap'n Proto struct
# (bossa::CapnpMessage<S>) -> struct, whose schema the envelope's type id names.
@0xf0c3f7d4d1dc0d22;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bossa::wire");

struct Value {
  union {
    none @0 :Void;          # no value: an empty std::optional
    bool @1 :Bool;
    int64 @2 :Int64;
    uint64 @3 :UInt64;
    float32 @4 :Float32;
    float64 @5 :Float64;
    text @6 :Text;
    data @7 :Data;
    list @8 :List(Value);   # homogeneous sequence
    tuple @9 :List(Value);  # fixed-arity heterogeneous sequence
    struct @10 :AnyPointer; # a Cap'n Proto struct of the schema named by the type id
  }
}
