// The state machine as pure functions: given an intent as loaded and a
// request, decide the one atomic write that performs it, or the definitive
// rejection that answers it. No I/O here, so every rule is unit-testable and
// every store sees the same transitions.
#pragma once

#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"

#include <optional>
#include <string>

namespace payintent::detail {

// What a request resolves to: exactly one of `write` or a rejection code.
struct plan {
  std::optional<intent_write> write;
  errc rejection{};         // meaningful when !write
  std::string message;      // the rejection's diagnostics
  int started_attempt = 0;  // the attempt number the write dispatches, 0 if none

  static plan reject(errc code, std::string message);
};

struct write_context {
  std::string node_id;
  std::int64_t lease_ttl_ms = 0;
};

// A new intent in status created.
intent_write plan_create(payment_intent fresh, const write_context& ctx);

// A new intent that goes straight to processing with attempt 1 in init.
intent_write plan_charge(payment_intent fresh, const write_context& ctx);

// A new attempt on an existing intent (from created or failed).
plan plan_confirm(const payment_intent& current, const std::string& payment_method,
                  const write_context& ctx);

// Cancel from created, requires_action or failed: canceled with `reason`.
// From requires_capture: a release attempt in init (carrying `reason`), the
// intent processing until the network lets the hold go.
plan plan_cancel(const payment_intent& current, const std::string& reason,
                 const write_context& ctx);

// Capture from requires_capture: a capture attempt in init for `amount`
// (nullopt: the intent's amount; 1..the intent's amount, else
// invalid_amount), the intent processing.
plan plan_capture(const payment_intent& current, std::optional<std::int64_t> amount,
                  const write_context& ctx);

// A refund of a succeeded intent: a refund attempt in init for `amount`
// (nullopt: all that is refundable), the intent's status unchanged. The
// amount must fit in what was received less every refund not failed
// (refundable_amount), else invalid_amount: because the write is planned on
// the intent's version and the store applies it by compare-and-set, no
// interleaving of refunds can reserve more than was received.
plan plan_refund(const payment_intent& current, std::optional<std::int64_t> amount,
                 const std::string& reason, const write_context& ctx);

// What `intent` can still refund: amount_received less the refunds that
// succeeded or may yet (init, pending, unknown, in review).
std::int64_t refundable_amount(const payment_intent& intent) noexcept;

// How an outcome lands on the attempt `number` held under `fence`.
// nullopt when the attempt is no longer this holder's to write (its fence
// moved on, or it already left init/unknown/pending): a late outcome.
std::optional<intent_write> plan_outcome(const payment_intent& current, int number,
                                         std::uint64_t fence, const network_outcome& outcome,
                                         const write_context& ctx);

// True when the outcome says money may have moved (it must be voided if late).
bool money_may_have_moved(outcome_kind kind) noexcept;

// What a fenced-out writer's outcome calls for, judged on the intent its
// late write commits on (docs/recovery.md), never on an older snapshot.
enum class late_judgement : std::uint8_t {
  no_money,   // declined, challenge, not_sent: nothing to void
  adopted,    // the attempt is authorized: a duplicate report of adopted money
  held,       // unresolved under the newer fence: its holder's lookup decides
  in_review,  // the intent waits for a person, who decides
  unadopted,  // voided or failed: the late money must be voided. Stable: such
              // an attempt never becomes authorized
};
late_judgement judge_late_outcome(const payment_intent& current, int number,
                                  const network_outcome& outcome) noexcept;

// What became of the void of an unadopted late outcome.
struct late_void {
  bool done = false;    // voided, and lookup does not find the money live
  std::string failure;  // otherwise why
};

// The write recording a late outcome on `current`: a late_outcome audit entry
// under the writer's own `fence` saying what was done. When an unadopted
// late outcome could not be voided (`voided` failed) and the intent failed on
// this very attempt, the intent goes to requires_review: it never stays
// failed while money is live. A refund's attempt in that case goes back to
// unknown, parked for a person as plan_review parks it (the refund
// requires_review, its amount reserved again): a refund never stays failed
// while the money it gave back is gone. `voided` is null unless `j` is
// unadopted.
intent_write plan_late_outcome(const payment_intent& current, int number, std::uint64_t fence,
                               const network_outcome& outcome, late_judgement j,
                               const late_void* voided, const write_context& ctx);

// Authorization expiry (service_options::authorization_expiry).

// True when `intent` waits in requires_capture and its held authorization
// became authorized at least `expiry_ms` before store time `now_ms`.
bool hold_expired(const payment_intent& intent, std::int64_t now_ms,
                  std::int64_t expiry_ms) noexcept;

// The expired hold is let go: plan_cancel with cancellation_reason
// "abandoned" (a release attempt in init), plus an "authorization.expired"
// audit entry saying since when it was held.
plan plan_hold_expired(const payment_intent& current, std::int64_t expiry_ms,
                       const write_context& ctx);

// 3-D Secure step-up (docs/three_ds.md).

// A validated challenge result, as the planner needs it (no secrets).
struct step_up {
  std::string three_ds_server_trans_id;
  char trans_status = 'Y';
  bool resume = false;       // authorize again (Y, A; U when the policy says so)
  std::string decline_code;  // when !resume: "authentication_failed", ...
};

// authenticate on `current`: resume as a new attempt in init, or end the
// challenged attempt declined and the intent failed. Rejects an intent not in
// requires_action (invalid_state, naming an expired challenge) and a result
// for another challenge (invalid_argument).
plan plan_authenticate(const payment_intent& current, const step_up& result,
                       const write_context& ctx);

// True when `intent` waits in requires_action and its challenge entered
// challenge_pending at least `expiry_ms` before store time `now_ms`.
bool challenge_expired(const payment_intent& intent, std::int64_t now_ms,
                       std::int64_t expiry_ms) noexcept;

// The expired challenge ends: attempt declined "challenge_expired", intent
// failed and retryable.
intent_write plan_challenge_expired(const payment_intent& current, const write_context& ctx);

}  // namespace payintent::detail

namespace payintent::detail {

// The intent as it is after `w` committed with `receipt`, given the intent
// it was planned from (nullptr for an insert). Spares a reload. Consumes
// `w`: a caller that still needs its write passes a copy.
payment_intent after_write(const payment_intent* before, intent_write&& w,
                           const write_receipt& receipt);

}  // namespace payintent::detail

namespace payintent::detail {

// Recovery's steps (docs/recovery.md). Each is fenced: `fence` is the token
// recovery holds after plan_takeover.

// Takes over attempt `number` whose lease has expired by the store clock:
// a new fence, this node, a fresh lease. The store refuses it while the old
// lease is alive, so two recoverers never both hold an attempt.
intent_write plan_takeover(const payment_intent& current, int number, const write_context& ctx);

// The network has nothing under the reference and it was voided, so a late
// arrival is reversed or refused: the attempt is voided. An authorization's
// intent fails, retryable with a new confirm; a capture's or release's goes
// back to requires_capture; a refund's stays as it is (the refund failed).
intent_write plan_voided(const payment_intent& current, int number, std::uint64_t fence,
                         const write_context& ctx);

// Recovery could not learn the outcome: a person decides. The attempt keeps
// its state; its lease is parked for decades, held by review, so recovery
// passes skip it and nothing else may touch it. The intent goes to
// requires_review, except for a refund's attempt: the refund alone waits.
intent_write plan_review(const payment_intent& current, int number, std::uint64_t fence,
                         std::string reason, const write_context& ctx);

// True when plan_review parked `a` for a person.
bool parked_for_review(const attempt& a) noexcept;

// Lookup found nothing: this recoverer will void the reference. Recorded
// under its fence before the void is sent (void_decided_event), so that a
// recoverer taking over later voids too and never adopts money that a
// void, sent or still to be sent, may reverse. The lease runs on for the
// void: a full lease.
inline constexpr std::string_view void_decided_event = "recovery.void_decided";
intent_write plan_void_decided(const payment_intent& current, int number, std::uint64_t fence,
                               const write_context& ctx);

// A lookup or void failed, or the network still says pending: try again
// after `delay_ms` (the lease is the timer), recording why.
intent_write plan_retry_later(const payment_intent& current, int number, std::uint64_t fence,
                              std::string reason, std::int64_t delay_ms,
                              const write_context& ctx);

}  // namespace payintent::detail
