#include "payintent/store_kit.hpp"

#include <algorithm>
#include <chrono>
#include <tuple>
#include <utility>

namespace payintent::store_kit {
namespace {

// The fence a write's audit entries carry unless an event names its own.
std::uint64_t written_fence(const intent_write& w) noexcept {
  return w.attempt ? w.attempt->value.fence : 0;
}

error_code first_failed_rule(const intent_write& w, const stored_intent& read,
                             std::int64_t now_ms) noexcept {
  if (w.expected_version == 0 && read.version) return errc::version_conflict;
  if (w.expected_version != 0 && !read.version) return errc::not_found;
  const attempt* held = writes_fenced_attempt(w) ? read.fenced_attempt : nullptr;
  if (writes_fenced_attempt(w)) {
    if (held == nullptr) return errc::not_found;
    // A stale writer learns it lost the attempt before it learns the intent
    // moved on: fenced_out tells it to stop, version_conflict to reload.
    if (held->fence != *w.attempt->expected_fence) return errc::fenced_out;
  }
  if (read.version && *read.version != w.expected_version) return errc::version_conflict;
  if (adds_attempt(w) && w.attempt->value.number != read.attempt_count + 1) {
    return errc::version_conflict;
  }
  if (held != nullptr && w.attempt->require_lease_expired && held->lease_expires_at_ms > now_ms) {
    return errc::version_conflict;
  }
  return {};
}

}  // namespace

stored_intent stored_intent_of(const payment_intent* row, const intent_write& w) noexcept {
  stored_intent read;
  if (row == nullptr) return read;
  read.version = row->version;
  read.attempt_count = static_cast<int>(row->attempts.size());
  if (writes_fenced_attempt(w))
    read.fenced_attempt = attempt_numbered(*row, w.attempt->value.number);
  return read;
}

const attempt* attempt_numbered(const payment_intent& intent, int number) noexcept {
  if (number < 1 || static_cast<std::size_t>(number) > intent.attempts.size()) return nullptr;
  return &intent.attempts[static_cast<std::size_t>(number) - 1];
}

result<checked_write> check_write(const intent_write& w, const stored_intent& read,
                                  std::int64_t now_ms) {
  if (const error_code failed = first_failed_rule(w, read, now_ms)) return failed;
  checked_write out;
  out.receipt = write_receipt{w.expected_version + 1, now_ms, 0};
  if (!w.attempt) return out;
  out.replaces_attempt = writes_fenced_attempt(w);
  attempt& row = out.attempt_row.emplace(w.attempt->value);
  if (w.attempt->lease_ttl_ms > 0) row.lease_expires_at_ms = now_ms + w.attempt->lease_ttl_ms;
  row.created_at_ms = out.replaces_attempt ? read.fenced_attempt->created_at_ms : now_ms;
  row.updated_at_ms = now_ms;
  out.receipt.lease_expires_at_ms = row.lease_expires_at_ms;
  return out;
}

payment_intent next_intent_row(const intent_write& w, const payment_intent* stored,
                               checked_write& checked) {
  const std::int64_t now_ms = checked.receipt.store_time_ms;
  payment_intent row = w.intent;
  row.version = checked.receipt.version;
  row.created_at_ms = stored != nullptr ? stored->created_at_ms : now_ms;
  row.updated_at_ms = now_ms;
  // Each stored attempt copied once, the written one moved into its place.
  const std::size_t held = stored != nullptr ? stored->attempts.size() : 0;
  const bool appends = checked.attempt_row && !checked.replaces_attempt;
  const std::size_t replaced =
      checked.replaces_attempt ? static_cast<std::size_t>(checked.attempt_row->number) - 1 : held;
  row.attempts.clear();
  row.attempts.reserve(held + (appends ? 1 : 0));
  for (std::size_t i = 0; i < held; ++i) {
    if (i == replaced) {
      row.attempts.push_back(std::move(*checked.attempt_row));
    } else {
      row.attempts.push_back(stored->attempts[i]);
    }
  }
  if (appends) row.attempts.push_back(std::move(*checked.attempt_row));
  return row;
}

audit_entry seal_audit(const intent_write& w, const audit_event& event, const audit_entry* previous,
                       std::int64_t now_ms) {
  return seal_audit_entry(event, previous, w.intent.tenant, w.intent.id, now_ms, w.node_id,
                          written_fence(w));
}

audit_entry_view audit_view(const intent_write& w, const audit_event& event, std::uint64_t sequence,
                            std::string_view prev_hash, std::int64_t now_ms) noexcept {
  return audit_entry_view{sequence,
                          now_ms,
                          w.intent.tenant.str(),
                          w.intent.id.str(),
                          event.attempt_number,
                          event.event,
                          event.from,
                          event.to,
                          event.detail,
                          w.node_id,
                          event.fence != 0 ? event.fence : written_fence(w),
                          prev_hash};
}

key_record key_to_insert(const claim_request& request, std::int64_t now_ms) {
  key_record key = request.key;
  key.created_at_ms = now_ms;
  key.expires_at_ms = now_ms + request.retention_ms;
  return key;
}

claim_result taken_key_answer(const key_record& stored, const claim_request& request) {
  claim_result out;
  out.status =
      stored.fingerprint == request.key.fingerprint ? claim_status::replay : claim_status::mismatch;
  out.existing = stored;
  return out;
}

bool guards_unresolved_attempt(const key_record& key, const payment_intent& intent) noexcept {
  const attempt* a = attempt_numbered(intent, key.result.attempt_number);
  return a != nullptr && is_unresolved(a->state);
}

void keep_oldest(std::vector<unresolved_attempt>& listed, std::size_t limit) {
  std::sort(listed.begin(), listed.end(), [](const auto& x, const auto& y) {
    return std::tie(x.lease_expires_at_ms, x.tenant, x.intent, x.attempt_number) <
           std::tie(y.lease_expires_at_ms, y.tenant, y.intent, y.attempt_number);
  });
  if (listed.size() > limit) listed.resize(limit);
}

void keep_oldest(std::vector<requires_action_intent>& listed, std::size_t limit) {
  std::sort(listed.begin(), listed.end(), [](const auto& x, const auto& y) {
    return std::tie(x.updated_at_ms, x.tenant, x.intent) <
           std::tie(y.updated_at_ms, y.tenant, y.intent);
  });
  if (listed.size() > limit) listed.resize(limit);
}

void keep_oldest(std::vector<requires_capture_intent>& listed, std::size_t limit) {
  std::sort(listed.begin(), listed.end(), [](const auto& x, const auto& y) {
    return std::tie(x.authorized_at_ms, x.tenant, x.intent) <
           std::tie(y.authorized_at_ms, y.tenant, y.intent);
  });
  if (listed.size() > limit) listed.resize(limit);
}

const attempt* held_authorization(const payment_intent& intent) noexcept {
  for (auto it = intent.attempts.rbegin(); it != intent.attempts.rend(); ++it) {
    if (it->kind == attempt_kind::authorization && it->state == attempt_state::authorized) {
      return &*it;
    }
  }
  return nullptr;
}

std::optional<std::int64_t> hold_authorized_at(const payment_intent& intent) noexcept {
  if (intent.status != intent_status::requires_capture) return std::nullopt;
  const attempt* held = held_authorization(intent);
  if (!held) return std::nullopt;
  return held->updated_at_ms;
}

std::int64_t system_clock_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace payintent::store_kit
