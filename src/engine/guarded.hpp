// Calls into user code (stores, networks) behind a catch-all, so that no
// exception escapes the library (docs/design.md, "Errors").
#pragma once

#include "payintent/error.hpp"

#include <exception>
#include <utility>

namespace payintent::detail {

// Runs `f` (returning result<T>); an exception becomes `on_throw`.
template <class F>
auto guarded(F&& f, errc on_throw = errc::store_unavailable) noexcept -> decltype(f()) {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    return make_error_code(on_throw);
  }
}

}  // namespace payintent::detail
