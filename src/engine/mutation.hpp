// A mutating call as a value: validated, its arguments copied, ready to be
// admitted synchronously or asynchronously (docs/design.md, "Idempotency
// contract"). The path reads top to bottom: operation (operations.cpp) →
// mutation → plan (decide, planner.hpp) → the store's claim of the key
// (payment_service.cpp) → dispatch and record (attempt_runner.hpp).
#pragma once

#include "engine/planner.hpp"
#include "payintent/card_network.hpp"
#include "payintent/operation_params.hpp"
#include "payintent/records.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace payintent::detail {

// What each mutating operation asks for.
struct create_request {  // an intent in status created
  payment_intent fresh;  // its id minted once, so every round writes the same one
};
struct charge_request {  // an intent created and confirmed in one claim
  payment_intent fresh;
};
struct confirm_request {
  intent_id intent;
  std::string payment_method;  // empty: the intent's
};
struct cancel_request {
  intent_id intent;
  std::string reason;
};
struct authenticate_request {
  intent_id intent;
  authenticate_params fields;  // authentication_value cleared: never kept past validation
  step_up result;              // what the challenge result means under the policy
};
struct capture_request {
  intent_id intent;
  std::optional<std::int64_t> amount;  // nullopt: the whole authorized amount
};
struct refund_request {
  intent_id intent;
  std::optional<std::int64_t> amount;  // nullopt: all that is left to refund
  std::string reason;
};
using request = std::variant<create_request, charge_request, confirm_request, cancel_request,
                             authenticate_request, capture_request, refund_request>;

operation operation_of(const request& r) noexcept;
// The existing intent the request acts on; nullopt for a new one.
std::optional<intent_id> target_of(const request& r);
// The request's fingerprint in encoding `version` (docs/design.md,
// "Idempotency contract"): the fields that make two requests the same.
std::string fingerprint_of(const request& r, int version);
// The planner's verdict on `r` given the intent as loaded (nullptr for a new one).
plan decide(const request& r, const payment_intent* current, const write_context& ctx);

struct mutation {
  tenant_id tenant;
  idempotency_key key;
  request what;
  std::string fingerprint;  // fingerprint_of(what, current_fingerprint_version)
  std::chrono::milliseconds wait_budget{0};
  // Sent with the attempt the plan starts (authenticate only); held in
  // memory for that one authorization, never stored.
  std::optional<three_ds_authentication> authentication;
};

}  // namespace payintent::detail
