// A person's decision on an intent in requires_review, as a pure plan
// (payment_service::settle_review; docs/operations.md). No I/O here.
#pragma once

#include "engine/planner.hpp"
#include "payintent/payment_service.hpp"

namespace payintent::detail {

// Checks `s`'s fields (no store access): invalid_argument or
// raw_card_number, with the field named in `diag`.
result<void> validate_settlement(const review_settlement& s, diagnostics* diag);

// The settlement of `current` as `s` (validated) decides: the latest attempt
// written under its fence with a new one, the intent succeeded or failed,
// the audit entries naming who, why and what was checked; the statuses by
// the attempt's kind are payment_service::settle_review's. Rejects an intent
// not in requires_review, one without attempts, and a success when another
// authorization is authorized already (invariant 4), all invalid_state.
plan plan_settle_review(const payment_intent& current, const review_settlement& s,
                        const write_context& ctx);

}  // namespace payintent::detail
