#include "engine/planner.hpp"

#include "payintent/store_kit.hpp"

#include <fmt/format.h>

#include <utility>

namespace payintent::detail {
namespace {

// "<prefix><state>", e.g. "intent.succeeded": on every transition, so
// built without going through a format string.
std::string event_name(std::string_view prefix, std::string_view state) {
  std::string name;
  name.reserve(prefix.size() + state.size());
  name.append(prefix).append(state);
  return name;  // by name: append's reference return would be copied
}

audit_event intent_event(intent_status from, intent_status to, std::string detail = {}) {
  return {0, event_name("intent.", to_string(to)), std::string(to_string(from)),
          std::string(to_string(to)), std::move(detail)};
}

audit_event attempt_event(int number, std::optional<attempt_state> from, attempt_state to,
                          std::string detail = {}) {
  return {number, event_name("attempt.", to_string(to)),
          from ? std::string(to_string(*from)) : std::string(), std::string(to_string(to)),
          std::move(detail)};
}

// `current` without its attempts (a write ignores them), so they are never
// copied only to be dropped. The structured binding names every field: a
// field added to payment_intent breaks the build here until it is copied.
payment_intent without_attempts(const payment_intent& current) {
  const auto& [id, tenant, amount, status, payment_method, description, metadata, last_error,
               next_action, attempts, created_at_ms, updated_at_ms, capture_method,
               cancellation_reason, version] = current;
  static_cast<void>(attempts);
  return payment_intent{id,           tenant,        amount,         status,
                        payment_method, description, metadata,       last_error,
                        next_action,  {},            created_at_ms,  updated_at_ms,
                        capture_method, cancellation_reason, version};
}

intent_write update_of(const payment_intent& current, const write_context& ctx) {
  intent_write w;
  w.intent = without_attempts(current);
  w.expected_version = current.version;
  w.node_id = ctx.node_id;
  return w;
}

// Appends attempt `number` in init to `w`, moving the intent to processing.
void start_attempt(intent_write& w, intent_status from, int number, const write_context& ctx) {
  attempt a;
  a.number = number;
  a.reference = attempt_reference(w.intent.id, number);
  a.state = attempt_state::init;
  a.payment_method = w.intent.payment_method;
  a.fence = 1;
  a.node_id = ctx.node_id;
  w.intent.status = intent_status::processing;
  w.intent.last_error.reset();
  w.intent.next_action.reset();
  w.attempt = attempt_write{std::move(a), std::nullopt, false, ctx.lease_ttl_ms};
  w.audit.push_back(intent_event(from, intent_status::processing));
  w.audit.push_back(attempt_event(number, std::nullopt, attempt_state::init));
}

// Appends a capture, release or refund attempt in init to `w`, numbered
// after `current`'s attempts. A capture or release moves the intent to
// processing; a refund leaves it as it is (succeeded).
void start_follow_up(intent_write& w, const payment_intent& current, attempt_kind kind,
                     std::int64_t amount, std::string reason, const write_context& ctx) {
  attempt a;
  a.number = static_cast<int>(current.attempts.size()) + 1;
  a.reference = attempt_reference(w.intent.id, a.number);
  a.kind = kind;
  a.state = attempt_state::init;
  a.amount = amount;
  a.reason = std::move(reason);
  a.fence = 1;
  a.node_id = ctx.node_id;
  if (kind != attempt_kind::refund) {
    w.intent.status = intent_status::processing;
    w.intent.last_error.reset();
    w.audit.push_back(intent_event(current.status, intent_status::processing,
                                   std::string(to_string(kind))));
  }
  w.audit.push_back(attempt_event(a.number, std::nullopt, attempt_state::init,
                                  fmt::format("{} {}", kind, amount)));
  w.attempt = attempt_write{std::move(a), std::nullopt, false, ctx.lease_ttl_ms};
}

intent_write insert_of(payment_intent fresh, const write_context& ctx) {
  intent_write w;
  fresh.status = intent_status::created;
  fresh.attempts.clear();
  w.intent = std::move(fresh);
  w.expected_version = 0;
  w.node_id = ctx.node_id;
  w.audit.reserve(3);  // a charge adds processing and the attempt's init
  w.audit.push_back({0, "intent.created", "", "created", {}});
  return w;
}

struct outcome_effect {
  attempt_state attempt_to;
  intent_status intent_to;
  std::optional<payment_error> error;
};

outcome_effect authorization_effect(const payment_intent& current, const network_outcome& o) {
  switch (o.kind) {
    case outcome_kind::approved:
      return {attempt_state::authorized,
              current.capture_method == capture_method::manual ? intent_status::requires_capture
                                                               : intent_status::succeeded,
              std::nullopt};
    case outcome_kind::declined:
      return {attempt_state::declined, intent_status::failed,
              payment_error{"card_declined", o.decline_code, "The card was declined."}};
    case outcome_kind::challenge:
      return {attempt_state::challenge_pending, intent_status::requires_action, std::nullopt};
    case outcome_kind::pending:
      return {attempt_state::pending, intent_status::processing, std::nullopt};
    case outcome_kind::not_sent:
      return {attempt_state::not_sent, intent_status::failed,
              payment_error{"network_not_sent", "",
                            "The card network could not be reached; nothing was sent. "
                            "Confirm again to retry."}};
    case outcome_kind::unknown:
      break;
  }
  return {attempt_state::unknown, intent_status::processing, std::nullopt};
}

// A capture or release that did not happen leaves the hold as it was: the
// intent back in requires_capture, saying why. A refund never moves its
// intent: it stays succeeded, its last_error untouched.
outcome_effect follow_up_effect(const payment_intent& current, const attempt& held,
                                const network_outcome& o) {
  const bool refund = held.kind == attempt_kind::refund;
  const intent_status unsettled = refund ? current.status : intent_status::processing;
  auto refused = [&](attempt_state state, std::string code, std::string message) {
    if (refund) return outcome_effect{state, current.status, current.last_error};
    return outcome_effect{state, intent_status::requires_capture,
                          payment_error{std::move(code), o.decline_code, std::move(message)}};
  };
  switch (o.kind) {
    case outcome_kind::approved: {
      if (refund) return {attempt_state::succeeded, current.status, current.last_error};
      return {attempt_state::succeeded,
              held.kind == attempt_kind::capture ? intent_status::succeeded
                                                 : intent_status::canceled,
              std::nullopt};
    }
    case outcome_kind::declined:
    case outcome_kind::challenge:  // no challenge is asked of these: a refusal
      return refused(attempt_state::declined, fmt::format("{}_declined", held.kind),
                     fmt::format("The card network declined the {}.", held.kind));
    case outcome_kind::not_sent:
      return refused(attempt_state::not_sent, "network_not_sent",
                     fmt::format("The card network could not be reached; the {} was not sent. "
                                 "Try again.",
                                 held.kind));
    case outcome_kind::pending:
      return {attempt_state::pending, unsettled, refund ? current.last_error : std::nullopt};
    case outcome_kind::unknown:
      break;
  }
  return {attempt_state::unknown, unsettled, refund ? current.last_error : std::nullopt};
}

outcome_effect effect_of(const payment_intent& current, const attempt& held,
                         const network_outcome& o) {
  if (held.kind == attempt_kind::authorization) return authorization_effect(current, o);
  return follow_up_effect(current, held, o);
}

// When `current`'s latest attempt awaits a 3-D Secure challenge, ends it in
// `w` as declined with `decline_code`: abandoned, never authorized.
void end_challenge(intent_write& w, const payment_intent& current, const std::string& decline_code,
                   std::string detail) {
  const attempt* last = current.latest_attempt();
  if (!last || last->state != attempt_state::challenge_pending) return;
  attempt a = *last;
  a.state = attempt_state::declined;
  a.decline_code = decline_code;
  a.lease_expires_at_ms = 0;
  w.audit.push_back(
      attempt_event(a.number, last->state, attempt_state::declined, std::move(detail)));
  w.attempt = attempt_write{std::move(a), last->fence, false, 0};
}

}  // namespace

plan plan::reject(errc code, std::string message) {
  plan p;
  p.rejection = code;
  p.message = std::move(message);
  return p;
}

intent_write plan_create(payment_intent fresh, const write_context& ctx) {
  return insert_of(std::move(fresh), ctx);
}

intent_write plan_charge(payment_intent fresh, const write_context& ctx) {
  intent_write w = insert_of(std::move(fresh), ctx);
  start_attempt(w, intent_status::created, 1, ctx);
  return w;
}

plan plan_confirm(const payment_intent& current, const std::string& payment_method,
                  const write_context& ctx) {
  if (current.status != intent_status::created && current.status != intent_status::failed) {
    return plan::reject(errc::invalid_state,
                        fmt::format("cannot confirm a payment intent in status {}", current.status));
  }
  if (const attempt* last = current.latest_attempt(); last && is_unresolved(last->state)) {
    return plan::reject(errc::invalid_state,
                        "the previous attempt is unresolved; it must be reconciled first");
  }
  if (payment_method.empty() && current.payment_method.empty()) {
    return plan::reject(errc::invalid_argument, "payment_method is required to confirm");
  }
  plan p;
  p.write = update_of(current, ctx);
  if (!payment_method.empty()) p.write->intent.payment_method = payment_method;
  start_attempt(*p.write, current.status, static_cast<int>(current.attempts.size()) + 1, ctx);
  p.started_attempt = p.write->attempt->value.number;
  return p;
}

plan plan_cancel(const payment_intent& current, const std::string& reason,
                 const write_context& ctx) {
  const auto s = current.status;
  if (s == intent_status::requires_capture) {
    const attempt* held = store_kit::held_authorization(current);
    if (!held) return plan::reject(errc::invalid_state, "no authorization holds money to release");
    plan p;
    p.write = update_of(current, ctx);
    start_follow_up(*p.write, current, attempt_kind::release, 0, reason, ctx);
    p.started_attempt = p.write->attempt->value.number;
    return p;
  }
  if (s != intent_status::created && s != intent_status::requires_action &&
      s != intent_status::failed) {
    return plan::reject(errc::invalid_state,
                        fmt::format("cannot cancel a payment intent in status {}", s));
  }
  plan p;
  p.write = update_of(current, ctx);
  p.write->intent.status = intent_status::canceled;
  p.write->intent.cancellation_reason = reason;
  p.write->intent.next_action.reset();
  end_challenge(*p.write, current, "canceled", "canceled");
  p.write->audit.push_back(intent_event(s, intent_status::canceled, reason));
  return p;
}

std::int64_t refundable_amount(const payment_intent& intent) noexcept {
  std::int64_t reserved = 0;
  for (const attempt& a : intent.attempts) {
    const bool failed = a.state == attempt_state::declined || a.state == attempt_state::not_sent ||
                        a.state == attempt_state::voided;
    if (a.kind == attempt_kind::refund && !failed) reserved += a.amount;
  }
  return intent.amount_received() - reserved;
}

plan plan_capture(const payment_intent& current, std::optional<std::int64_t> amount,
                  const write_context& ctx) {
  if (current.status != intent_status::requires_capture) {
    return plan::reject(errc::invalid_state,
                        fmt::format("cannot capture a payment intent in status {}; only "
                                    "requires_capture holds an uncaptured authorization",
                                    current.status));
  }
  const std::int64_t take = amount.value_or(current.amount.minor_units);
  if (take <= 0 || take > current.amount.minor_units) {
    return plan::reject(errc::invalid_amount,
                        fmt::format("amount_to_capture must be between 1 and the authorized "
                                    "amount ({})",
                                    current.amount.minor_units));
  }
  if (!store_kit::held_authorization(current)) {
    return plan::reject(errc::invalid_state, "no authorization holds money to capture");
  }
  plan p;
  p.write = update_of(current, ctx);
  start_follow_up(*p.write, current, attempt_kind::capture, take, {}, ctx);
  p.started_attempt = p.write->attempt->value.number;
  return p;
}

plan plan_refund(const payment_intent& current, std::optional<std::int64_t> amount,
                 const std::string& reason, const write_context& ctx) {
  if (current.status != intent_status::succeeded || current.amount_received() <= 0) {
    return plan::reject(errc::invalid_state,
                        fmt::format("cannot refund a payment intent in status {}; only a "
                                    "succeeded one has money to give back",
                                    current.status));
  }
  const std::int64_t left = refundable_amount(current);
  const std::int64_t give = amount.value_or(left);
  if (left <= 0) {
    return plan::reject(errc::invalid_amount,
                        "the payment intent's received amount is already refunded (or being "
                        "refunded) in full");
  }
  if (give <= 0 || give > left) {
    return plan::reject(errc::invalid_amount,
                        fmt::format("amount must be between 1 and what is left to refund ({})",
                                    left));
  }
  plan p;
  p.write = update_of(current, ctx);
  start_follow_up(*p.write, current, attempt_kind::refund, give, reason, ctx);
  p.started_attempt = p.write->attempt->value.number;
  return p;
}

std::optional<intent_write> plan_outcome(const payment_intent& current, int number,
                                         std::uint64_t fence, const network_outcome& outcome,
                                         const write_context& ctx) {
  if (number < 1 || number > static_cast<int>(current.attempts.size())) return std::nullopt;
  const attempt& held = current.attempts[static_cast<std::size_t>(number - 1)];
  if (held.fence != fence || !is_unresolved(held.state)) return std::nullopt;
  // Invariant 1, defensively: a terminal intent's status never changes; only
  // a refund's outcome lands on one, and leaves its status as it is.
  if (is_terminal(current.status) && held.kind != attempt_kind::refund) return std::nullopt;

  const outcome_effect e = effect_of(current, held, outcome);
  intent_write w = update_of(current, ctx);
  attempt a = held;
  a.state = e.attempt_to;
  a.decline_code = outcome.decline_code;
  if (!outcome.network_transaction_id.empty()) {
    a.network_transaction_id = outcome.network_transaction_id;
  }
  // pending and unknown stay unresolved but nobody holds them: recovery does.
  a.lease_expires_at_ms = 0;
  w.intent.status = e.intent_to;
  w.intent.last_error = e.error;
  if (held.kind == attempt_kind::authorization) {
    w.intent.next_action =
        outcome.kind == outcome_kind::challenge ? outcome.action : std::nullopt;
  }
  if (held.kind == attempt_kind::release && e.intent_to == intent_status::canceled) {
    w.intent.cancellation_reason = held.reason;
  }
  w.audit.reserve(2);
  if (held.state != a.state) {
    w.audit.push_back(attempt_event(number, held.state, a.state, outcome.decline_code));
  }
  if (current.status != w.intent.status) {
    w.audit.push_back(intent_event(current.status, w.intent.status));
  }
  w.attempt = attempt_write{std::move(a), fence, false, 0};
  return w;
}

bool money_may_have_moved(outcome_kind kind) noexcept {
  return kind == outcome_kind::approved || kind == outcome_kind::pending ||
         kind == outcome_kind::unknown;
}

}  // namespace payintent::detail

namespace payintent::detail {

payment_intent after_write(const payment_intent* before, intent_write&& w,
                           const write_receipt& receipt) {
  payment_intent out = std::move(w.intent);
  out.version = receipt.version;
  out.updated_at_ms = receipt.store_time_ms;
  out.created_at_ms = before ? before->created_at_ms : receipt.store_time_ms;
  attempt* written = nullptr;  // stamped in `w`, then moved once into place
  if (w.attempt) {
    written = &w.attempt->value;
    written->updated_at_ms = receipt.store_time_ms;
    if (w.attempt->lease_ttl_ms > 0) written->lease_expires_at_ms = receipt.lease_expires_at_ms;
    written->created_at_ms = receipt.store_time_ms;
  }
  // The attempts as the store now holds them: each copied or moved once.
  out.attempts.clear();
  if (before) {
    out.attempts.reserve(before->attempts.size() + 1);
    for (const attempt& held : before->attempts) {
      if (written && held.number == written->number) {
        written->created_at_ms = held.created_at_ms;
        out.attempts.push_back(std::move(*written));
        written = nullptr;
      } else {
        out.attempts.push_back(held);
      }
    }
  }
  if (written) out.attempts.push_back(std::move(*written));
  return out;
}

}  // namespace payintent::detail

namespace payintent::detail {
namespace {

constexpr std::int64_t review_parking_ms = 100LL * 365 * 24 * 3600 * 1000;

// An update of attempt `number` under `fence`, the intent otherwise unchanged.
intent_write attempt_update(const payment_intent& current, int number, std::uint64_t fence,
                            std::int64_t lease_ttl_ms, const write_context& ctx) {
  intent_write w = update_of(current, ctx);
  attempt a = current.attempts.at(static_cast<std::size_t>(number - 1));
  a.node_id = ctx.node_id;
  a.lease_expires_at_ms = 0;
  w.attempt = attempt_write{std::move(a), fence, false, lease_ttl_ms};
  return w;
}

}  // namespace

intent_write plan_takeover(const payment_intent& current, int number, const write_context& ctx) {
  const attempt& held = current.attempts.at(static_cast<std::size_t>(number - 1));
  intent_write w = attempt_update(current, number, held.fence, ctx.lease_ttl_ms, ctx);
  w.attempt->value.fence = held.fence + 1;
  w.attempt->require_lease_expired = true;
  w.audit.push_back({number, "attempt.takeover", std::string(to_string(held.state)),
                     std::string(to_string(held.state)),
                     fmt::format("lease of {} expired; reconciling by lookup", held.node_id)});
  return w;
}

intent_write plan_voided(const payment_intent& current, int number, std::uint64_t fence,
                         const write_context& ctx) {
  intent_write w = attempt_update(current, number, fence, 0, ctx);
  const attempt_state from = w.attempt->value.state;
  const attempt_kind kind = w.attempt->value.kind;
  w.attempt->value.state = attempt_state::voided;
  w.audit.push_back(attempt_event(number, from, attempt_state::voided, "not found by lookup"));
  if (kind == attempt_kind::refund) return w;  // the refund failed; the intent is as it was
  if (kind == attempt_kind::authorization) {
    w.intent.status = intent_status::failed;
    w.intent.last_error = payment_error{
        "authorization_not_found", "",
        "The card network has no record of the attempt; it was voided so a late arrival is "
        "reversed. Confirm again to retry."};
  } else {
    // The hold is as it was before the capture or release was asked for.
    w.intent.status = intent_status::requires_capture;
    w.intent.last_error = payment_error{
        fmt::format("{}_not_found", kind), "",
        fmt::format("The card network has no record of the {}; it was voided so a late arrival "
                    "is refused. Try again.",
                    kind)};
  }
  w.audit.push_back(intent_event(current.status, w.intent.status));
  return w;
}

intent_write plan_review(const payment_intent& current, int number, std::uint64_t fence,
                         std::string reason, const write_context& ctx) {
  intent_write w = attempt_update(current, number, fence, review_parking_ms, ctx);
  if (w.attempt->value.kind == attempt_kind::refund) {
    // The refund waits for a person (refund_status::requires_review); the
    // intent's own status is untouched.
    const std::string state(to_string(w.attempt->value.state));
    w.audit.push_back({number, "refund.requires_review", state, state, std::move(reason)});
    return w;
  }
  w.intent.status = intent_status::requires_review;
  w.intent.last_error = payment_error{"requires_review", "",
                                      "The outcome could not be learned from the card network; "
                                      "a person must decide."};
  w.audit.push_back(intent_event(current.status, intent_status::requires_review, std::move(reason)));
  return w;
}

bool parked_for_review(const attempt& a) noexcept {
  return is_unresolved(a.state) && a.lease_expires_at_ms - a.updated_at_ms >= review_parking_ms;
}

intent_write plan_void_decided(const payment_intent& current, int number, std::uint64_t fence,
                               const write_context& ctx) {
  intent_write w = attempt_update(current, number, fence, ctx.lease_ttl_ms, ctx);
  const std::string state(to_string(w.attempt->value.state));
  w.audit.push_back({number, std::string(void_decided_event), state, state,
                     "the card network has no authorization under it; voiding"});
  return w;
}

intent_write plan_retry_later(const payment_intent& current, int number, std::uint64_t fence,
                              std::string reason, std::int64_t delay_ms,
                              const write_context& ctx) {
  intent_write w = attempt_update(current, number, fence, delay_ms, ctx);
  const std::string state(to_string(w.attempt->value.state));
  w.audit.push_back({number, "recovery.retry", state, state, std::move(reason)});
  return w;
}

}  // namespace payintent::detail

namespace payintent::detail {
namespace {

// The challenge of `current` ends unauthorized: attempt declined with
// `decline_code`, intent failed with `error`, retryable by a new confirm.
intent_write fail_challenge(const payment_intent& current, const std::string& decline_code,
                            payment_error error, std::string detail, const write_context& ctx) {
  intent_write w = update_of(current, ctx);
  w.intent.status = intent_status::failed;
  w.intent.next_action.reset();
  w.intent.last_error = std::move(error);
  end_challenge(w, current, decline_code, std::move(detail));
  w.audit.push_back(intent_event(current.status, intent_status::failed, decline_code));
  return w;
}

}  // namespace

bool challenge_expired(const payment_intent& intent, std::int64_t now_ms,
                       std::int64_t expiry_ms) noexcept {
  const attempt* last = intent.latest_attempt();
  return intent.status == intent_status::requires_action && last &&
         last->state == attempt_state::challenge_pending &&
         now_ms - last->updated_at_ms >= expiry_ms;
}

intent_write plan_challenge_expired(const payment_intent& current, const write_context& ctx) {
  return fail_challenge(current, "challenge_expired",
                        payment_error{"challenge_expired", "",
                                      "The 3-D Secure challenge was not completed in time. "
                                      "Confirm again to retry."},
                        "challenge_expired", ctx);
}

bool hold_expired(const payment_intent& intent, std::int64_t now_ms,
                  std::int64_t expiry_ms) noexcept {
  const auto held_since = store_kit::hold_authorized_at(intent);
  return held_since && now_ms - *held_since >= expiry_ms;
}

plan plan_hold_expired(const payment_intent& current, std::int64_t expiry_ms,
                       const write_context& ctx) {
  plan p = plan_cancel(current, "abandoned", ctx);
  if (!p.write) return p;
  const attempt* held = store_kit::held_authorization(current);
  const std::string status(to_string(current.status));
  p.write->audit.insert(p.write->audit.begin(),
                        audit_event{0, "authorization.expired", status, status,
                            fmt::format("a{} authorized at {} ms, held past "
                                        "authorization_expiry ({} ms); releasing",
                                        held->number, held->updated_at_ms, expiry_ms)});
  return p;
}

plan plan_authenticate(const payment_intent& current, const step_up& result,
                       const write_context& ctx) {
  const attempt* last = current.latest_attempt();
  if (current.status != intent_status::requires_action || !last ||
      last->state != attempt_state::challenge_pending) {
    if (last && last->state == attempt_state::declined &&
        last->decline_code == "challenge_expired") {
      return plan::reject(errc::invalid_state,
                          "the 3-D Secure challenge of this payment intent expired; confirm "
                          "again to start a new attempt");
    }
    return plan::reject(errc::invalid_state,
                        fmt::format("cannot authenticate a payment intent in status {}; only "
                                    "requires_action awaits a 3-D Secure result",
                                    current.status));
  }
  if (!current.next_action ||
      current.next_action->three_ds_server_trans_id != result.three_ds_server_trans_id) {
    return plan::reject(errc::invalid_argument,
                        "three_ds_server_trans_id does not match this payment intent's "
                        "3-D Secure challenge");
  }
  const std::string detail = fmt::format("transStatus {}", result.trans_status);
  plan p;
  if (!result.resume) {
    p.write = fail_challenge(
        current, result.decline_code,
        payment_error{"authentication_failed", result.decline_code,
                      fmt::format("The cardholder was not authenticated by 3-D Secure "
                                  "(transStatus {}). Confirm again to retry.",
                                  result.trans_status)},
        detail, ctx);
    return p;
  }
  // The challenged attempt stays challenge_pending, the record of the
  // challenge it raised; the authorization resumes as a new attempt under a
  // reference the network has never seen.
  p.write = update_of(current, ctx);
  p.write->audit.push_back({last->number, "three_ds.result", std::string(to_string(last->state)),
                            std::string(to_string(last->state)), detail});
  start_attempt(*p.write, current.status, last->number + 1, ctx);
  p.started_attempt = last->number + 1;
  return p;
}

}  // namespace payintent::detail

namespace payintent::detail {
namespace {

// What was done, for the late_outcome entry's detail.
std::string late_detail(const attempt* now, late_judgement j, const late_void* voided,
                        bool reviewed) {
  const std::string held =
      now ? fmt::format("attempt {} under fence {}", to_string(now->state), now->fence)
          : std::string("attempt gone");
  switch (j) {
    case late_judgement::no_money:
      return held + "; no money moved; nothing voided";
    case late_judgement::adopted:
      return held + ": a duplicate report of adopted money; nothing voided";
    case late_judgement::held:
      return held + ", whose lookup decides; nothing voided";
    case late_judgement::in_review:
      return held + "; in review, a person decides; nothing voided";
    case late_judgement::unadopted:
      break;
  }
  if (voided && voided->done) return held + "; the late authorization was voided";
  return fmt::format("{}; NOT voided: {}; {}", held, voided ? voided->failure : "no void tried",
                     reviewed ? "requires_review" : "a person must decide");
}

}  // namespace

late_judgement judge_late_outcome(const payment_intent& current, int number,
                                  const network_outcome& outcome) noexcept {
  if (!money_may_have_moved(outcome.kind)) return late_judgement::no_money;
  if (number < 1 || number > static_cast<int>(current.attempts.size())) {
    return late_judgement::unadopted;
  }
  const attempt& now = current.attempts[static_cast<std::size_t>(number - 1)];
  if (now.state == attempt_state::authorized || now.state == attempt_state::succeeded) {
    return late_judgement::adopted;
  }
  if (!is_unresolved(now.state)) return late_judgement::unadopted;
  return current.status == intent_status::requires_review ? late_judgement::in_review
                                                          : late_judgement::held;
}

intent_write plan_late_outcome(const payment_intent& current, int number, std::uint64_t fence,
                               const network_outcome& outcome, late_judgement j,
                               const late_void* voided, const write_context& ctx) {
  const attempt* now = number >= 1 && number <= static_cast<int>(current.attempts.size())
                           ? &current.attempts[static_cast<std::size_t>(number - 1)]
                           : nullptr;
  // Live money behind a failed intent: only while this attempt is the one
  // the intent failed on may the late writer move it (a new attempt is its
  // holder's; canceled is terminal).
  const bool live = j == late_judgement::unadopted && !(voided && voided->done) && now;
  const bool reviewed = live && current.status == intent_status::failed &&
                        now == current.latest_attempt();
  // A refund never moves its intent: the refund itself goes to review.
  const bool refund_reviewed = live && now->kind == attempt_kind::refund;
  intent_write w = update_of(current, ctx);
  audit_event e{number, "late_outcome", now ? std::string(to_string(now->state)) : std::string(),
                std::string(to_string(outcome.kind)),
                late_detail(now, j, voided, reviewed || refund_reviewed)};
  e.fence = fence;
  w.audit.push_back(std::move(e));
  if (refund_reviewed) {
    // Back to unresolved, parked for a person (refund_status::requires_review):
    // its amount is reserved again, so no later refund counts on it.
    attempt a = *now;
    a.state = attempt_state::unknown;
    a.node_id = ctx.node_id;
    a.lease_expires_at_ms = 0;
    w.attempt = attempt_write{std::move(a), now->fence, false, review_parking_ms};
    w.audit.push_back({number, "refund.requires_review", std::string(to_string(now->state)),
                       std::string(to_string(attempt_state::unknown)),
                       "late refund could not be voided"});
  }
  if (reviewed) {
    w.intent.status = intent_status::requires_review;
    w.intent.last_error =
        payment_error{"requires_review", "",
                      "The card network reported an authorization after the attempt was voided, "
                      "and it could not be voided; a person must decide."};
    audit_event moved = intent_event(current.status, intent_status::requires_review,
                                     "late authorization could not be voided");
    moved.fence = fence;
    w.audit.push_back(std::move(moved));
  }
  return w;
}

}  // namespace payintent::detail
