// What a store's error means to the caller. Stores answer with payintent's
// errc, but an integrator's store may answer with any category (a system
// error, its driver's own); every store error that reaches a caller goes
// through here, so none changes meaning on the way.
#pragma once

#include "payintent/error.hpp"

namespace payintent::detail {

// payintent's own codes keep their meaning, except version_conflict, which
// the engine could not retry away: busy. Any other category is
// store_unavailable (503, retryable, nothing cached). diag (may be null)
// gets the store's message, and for another category its name and value.
error_code store_failure(const error_code& ec, diagnostics* diag);

}  // namespace payintent::detail
