// What payment_service::authenticate makes of its parameters before the
// planner sees them: validation (messages name fields, never values), the
// request fingerprint, and the authentication data for the resumed
// authorization. The authentication value appears only in the last, which
// lives in memory for the one authorize call.
#pragma once

#include "engine/planner.hpp"
#include "payintent/card_network.hpp"
#include "payintent/operation_params.hpp"

#include <optional>
#include <string>

namespace payintent::detail {

// Checks every field and decides what the result means under the policy
// `authorize_unavailable` (service_options). errc::invalid_argument names
// the first bad field.
result<step_up> read_challenge_result(const authenticate_params& params, bool authorize_unavailable,
                                      diagnostics* diag);

// The fingerprint of an authenticate request in encoding `version`: every
// field but the wait budget and the authentication value, so not even a
// digest of the value is kept. (The DS transaction id already tells one
// authentication from another.)
std::string authenticate_fingerprint(const intent_id& intent, const authenticate_params& params,
                                     int version);

// What the resumed authorization carries: for Y and A the authentication
// value, ECI and DS transaction id; for U only the latter two.
three_ds_authentication authentication_of(const authenticate_params& params, const step_up& result);

}  // namespace payintent::detail
