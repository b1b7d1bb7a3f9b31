// callable_traits: the argument and result types of a handler, for matching messages by type.
//
// Works for lambdas and function objects with one non-template operator(), and for function
// pointers. `message_type` is what a handler accepts: the decayed argument for one argument, a
// std::tuple of the decayed arguments for several (so `[](int, std::string)` matches a message sent
// as `send(pid, 1, "x")`).
#pragma once

#include <tuple>
#include <type_traits>

namespace bossa {

template <class Result, class... Args>
struct signature_traits {
  using result_type = Result;
  using args = std::tuple<Args...>;
  static constexpr size_t arity = sizeof...(Args);
  using message_type =
      std::conditional_t<arity == 1,
                         std::decay_t<std::tuple_element_t<0, std::tuple<Args..., void>>>,
                         std::tuple<std::decay_t<Args>...>>;
};

template <class F>
struct callable_traits : callable_traits<decltype(&std::decay_t<F>::operator())> {};

template <class R, class... A>
struct callable_traits<R (*)(A...)> : signature_traits<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...)> : signature_traits<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...) const> : signature_traits<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...) noexcept> : signature_traits<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...) const noexcept> : signature_traits<R, A...> {};

}  // namespace bossa
