#include "engine/review_settlement.hpp"

#include "engine/service_impl.hpp"
#include "engine/store_failure.hpp"
#include "payintent/store_kit.hpp"
#include "payintent/validation.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace payintent::detail {
namespace {

result<void> invalid(diagnostics* diag, std::string message) {
  if (diag) diag->message = std::move(message);
  return errc::invalid_argument;
}

// What the intent's audit entry says: who, why, and what was checked.
std::string settlement_detail(const review_settlement& s) {
  std::string detail = fmt::format("settled by {}: {}", s.operator_name, s.reason);
  if (!s.evidence.empty()) detail += fmt::format("; evidence: {}", s.evidence);
  if (!s.network_reference.empty()) {
    detail += fmt::format("; network reference: {}", s.network_reference);
  }
  return detail;
}

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace

result<void> validate_settlement(const review_settlement& s, diagnostics* diag) {
  if (s.as != intent_status::succeeded && s.as != intent_status::failed) {
    return invalid(diag, "a review is settled as succeeded or failed");
  }
  if (s.operator_name.empty()) return invalid(diag, "operator must name who settles");
  if (s.reason.empty()) return invalid(diag, "reason must say why");
  BOOST_OUTCOME_TRY(validate_text("operator", s.operator_name, 100, diag));
  BOOST_OUTCOME_TRY(validate_text("reason", s.reason, 500, diag));
  BOOST_OUTCOME_TRY(validate_text("evidence", s.evidence, 1000, diag));
  const std::string_view ref = s.network_reference;
  if (s.as == intent_status::succeeded && ref.empty()) {
    return invalid(diag, "settling as succeeded needs the network reference that was checked");
  }
  if (ref.size() > 255 || !printable_ascii(ref)) {
    return invalid(diag, "network reference must be 1-255 printable ASCII characters");
  }
  return validate_text("network reference", ref, 255, diag);
}

plan plan_settle_review(const payment_intent& current, const review_settlement& s,
                        const write_context& ctx) {
  if (current.status != intent_status::requires_review) {
    return plan::reject(errc::invalid_state,
                        fmt::format("cannot settle a payment intent in status {}; only "
                                    "requires_review waits for a person",
                                    current.status));
  }
  const attempt* last = current.latest_attempt();
  if (last == nullptr) {
    return plan::reject(errc::invalid_state, "the payment intent has no attempt to settle");
  }
  const bool succeeded = s.as == intent_status::succeeded;
  const bool authorization = last->kind == attempt_kind::authorization;
  for (const attempt& a : current.attempts) {
    if (succeeded && authorization && a.kind == attempt_kind::authorization &&
        a.number != last->number && a.state == attempt_state::authorized) {
      return plan::reject(errc::invalid_state,
                          fmt::format("attempt {} is authorized already", a.number));
    }
  }
  plan p;
  intent_write& w = p.write.emplace();
  w.intent = current;
  w.intent.attempts.clear();
  w.expected_version = current.version;
  w.node_id = ctx.node_id;
  w.intent.next_action.reset();
  attempt a = *last;
  if (succeeded) {
    // What the network carried out: an authorization holds (manual capture)
    // or takes the money; a capture takes it; a release lets the hold go.
    a.decline_code.clear();
    w.intent.last_error.reset();
    if (authorization) {
      a.state = attempt_state::authorized;
      a.network_transaction_id = s.network_reference;
      w.intent.status = current.capture_method == capture_method::manual
                            ? intent_status::requires_capture
                            : intent_status::succeeded;
    } else {
      a.state = attempt_state::succeeded;
      w.intent.status = a.kind == attempt_kind::release ? intent_status::canceled
                                                        : intent_status::succeeded;
    }
  } else {
    // Nothing moved: an authorization fails the intent (confirm again to
    // retry); a capture or release leaves the hold as it was.
    if (is_unresolved(a.state)) a.state = attempt_state::voided;
    w.intent.status = authorization ? intent_status::failed : intent_status::requires_capture;
    w.intent.last_error = payment_error{
        "review_settled_failed", "",
        authorization ? "The payment was settled as failed after review. Confirm again to retry."
                      : fmt::format("The {} was settled as not carried out after review; the "
                                    "hold is as it was. Try again.",
                                    a.kind)};
  }
  a.fence = last->fence + 1;  // the settlement's own token: the old holder is fenced out
  a.lease_expires_at_ms = 0;
  a.node_id = ctx.node_id;
  if (a.state != last->state) {
    w.audit.push_back({a.number, fmt::format("attempt.{}", a.state),
                       std::string(to_string(last->state)), std::string(to_string(a.state)),
                       "settled in review"});
  }
  w.audit.push_back({0, fmt::format("intent.{}", w.intent.status),
                     std::string(to_string(current.status)),
                     std::string(to_string(w.intent.status)), settlement_detail(s)});
  w.attempt = attempt_write{std::move(a), last->fence, false, 0};
  return p;
}

}  // namespace payintent::detail

namespace payintent {

result<payment_intent> payment_service::settle_review(std::string_view tenant,
                                                      std::string_view intent,
                                                      const review_settlement& settlement,
                                                      diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  BOOST_OUTCOME_TRY(auto t, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(detail::validate_settlement(settlement, diag));
  for (int round = 0; round < impl_->options.max_conflict_retries; ++round) {
    BOOST_OUTCOME_TRY(auto current, impl_->load(t, id, diag));
    detail::plan p = detail::plan_settle_review(current, settlement, impl_->ctx);
    if (!p.write) {
      if (diag) diag->message = p.message;
      return make_error_code(p.rejection);
    }
    auto settled = impl_->commits.commit(current, std::move(*p.write));
    if (settled) return settled;
    // Someone wrote the intent meanwhile: decide again on what it is now.
    if (settled.error() != errc::version_conflict && settled.error() != errc::fenced_out) {
      return detail::store_failure(settled.error(), diag);
    }
  }
  if (diag) diag->message = "the payment intent kept changing under this request; retry";
  return make_error_code(errc::busy);
}

}  // namespace payintent
