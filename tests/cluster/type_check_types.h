// The message types of the type-table tests (type_check_test.cc) and their other node
// (type_check_node.cc), which registers them otherwise than the test's node does:
//
//   C++ type   test's node "main"      type_check_node "odd"
//   Greeting   "types.greeting"        "types.hello"
//   MainOnly   "types.main_only"       -
//   OddOnly    -                       "types.odd_only"
//
// Both have the test services' types (test_services.h) as every test node does.
#pragma once

#include <cstdint>
#include <string>

#include "serialization/message_codec.h"

namespace bossa::type_check {

struct Greeting {
  std::string text;
};
struct MainOnly {
  int64_t number = 0;
};
struct OddOnly {
  std::string text;
};

}  // namespace bossa::type_check

BOSSA_MESSAGE(bossa::type_check::Greeting, text);
BOSSA_MESSAGE(bossa::type_check::MainOnly, number);
BOSSA_MESSAGE(bossa::type_check::OddOnly, text);
