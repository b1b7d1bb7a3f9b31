// The C++ name of a type as its user wrote it ("shop::Order", not "N4shop5OrderE"), for messages
// and logs that name a type: typeid(T).name() is mangled under GCC and Clang.
//
//   demangled_name(typeid(Order))  // "shop::Order"
//   demangled_name<Order>()        // the same
//
// A name the ABI cannot demangle comes back as it was. Standard library types read as the
// compiler spells them (std::string is "std::__cxx11::basic_string<char, ...>").
//
// Thread-safety: free functions without shared state; each call allocates the string it returns.
#pragma once

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

namespace bossa {

inline std::string demangled_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && name != nullptr ? std::string(name.get()) : std::string(type.name());
}

template <class T>
std::string demangled_name() {
  return demangled_name(typeid(T));
}

}  // namespace bossa
