#include "payintent/event_kit.hpp"

#include "payintent/fingerprint.hpp"

#include <algorithm>
#include <string>

namespace payintent::store_kit {
namespace {

std::string_view refund_event(std::string_view to) noexcept {
  if (to == "succeeded") return "charge.refunded";
  if (to == "declined" || to == "voided" || to == "not_sent") return "refund.failed";
  return {};
}

std::string_view intent_event(std::string_view to) noexcept {
  if (to == "processing") return "payment_intent.processing";
  if (to == "requires_action") return "payment_intent.requires_action";
  if (to == "succeeded") return "payment_intent.succeeded";
  if (to == "failed") return "payment_intent.payment_failed";
  if (to == "canceled") return "payment_intent.canceled";
  if (to == "requires_capture") return "payment_intent.amount_capturable_updated";
  if (to == "requires_review") return "payment_intent.requires_review";
  return {};
}

}  // namespace

std::string_view event_type_of(const audit_event& e, const attempt* written) noexcept {
  const std::string_view name = e.event;
  if (name.starts_with("intent.") && name.substr(7) == e.to && e.from != e.to) {
    return intent_event(e.to);
  }
  // A refund whose outcome a person must decide keeps its attempt's state,
  // so its audit entry carries the name (planner.cpp, plan_review): a
  // consumer told refund.failed learns that the money may have gone back.
  if (name == "refund.requires_review") return "refund.requires_review";
  if (!name.starts_with("attempt.") || written == nullptr || e.attempt_number != written->number ||
      e.from == e.to) {
    return {};
  }
  switch (written->kind) {
    case attempt_kind::capture:
      return e.to == "succeeded" ? "charge.captured" : std::string_view{};
    case attempt_kind::refund:
      return refund_event(e.to);
    case attempt_kind::authorization:
    case attempt_kind::release:
      break;
  }
  return {};
}

std::string event_id(const tenant_id& tenant, const intent_id& intent, std::uint64_t version,
                     std::string_view type) {
  std::string bytes;
  for (std::string_view part : {std::string_view(tenant.str()), std::string_view(intent.str())}) {
    bytes += std::to_string(part.size());
    bytes += ':';
    bytes += part;
  }
  bytes += std::to_string(version);
  bytes += ':';
  bytes += type;
  return "evt_" + sha256_hex(bytes).substr(0, 24);
}

std::vector<event_record> events_of(const intent_write& w, const checked_write& checked) {
  std::vector<event_record> out;
  const attempt* written = checked.attempt_row ? &*checked.attempt_row : nullptr;
  const std::int64_t now_ms = checked.receipt.store_time_ms;
  for (const audit_event& e : w.audit) {
    const std::string_view type = event_type_of(e, written);
    if (type.empty()) continue;
    event_record& r = out.emplace_back();
    r.id = event_id(w.intent.tenant, w.intent.id, checked.receipt.version, type);
    r.type = type;
    r.tenant = w.intent.tenant;
    r.intent = w.intent.id;
    r.created_at_ms = now_ms;
    r.snapshot = w.intent;
    r.snapshot.attempts.clear();
    r.snapshot.version = checked.receipt.version;
    r.snapshot.updated_at_ms = now_ms;
    if (creates_intent(w)) r.snapshot.created_at_ms = now_ms;
    if (written != nullptr) r.attempt = *written;
  }
  return out;
}

bool asked_for(const event_record& e, const event_query& q) noexcept {
  return e.sequence > q.after && (q.tenant.empty() || e.tenant == q.tenant) &&
         (q.type.empty() || e.type == q.type) && (q.id.empty() || e.id == q.id);
}

}  // namespace payintent::store_kit
