#include "engine/store_failure.hpp"

#include <fmt/format.h>

namespace payintent::detail {

error_code store_failure(const error_code& ec, diagnostics* diag) {
  const bool own = ec.category() == payintent_category();
  if (diag) {
    diag->message = own ? fmt::format("the store failed: {}", ec.message())
                        : fmt::format("the store failed: {} error {}: {}", ec.category().name(),
                                      ec.value(), ec.message());
    diag->replayed = false;
  }
  if (!own) return make_error_code(errc::store_unavailable);
  return ec == errc::version_conflict ? make_error_code(errc::busy) : ec;
}

}  // namespace payintent::detail
