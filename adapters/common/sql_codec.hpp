// Row <-> record mapping for both SQL stores, written once: the column lists
// every query splices in (so a reader, its binder and the queries cannot
// drift apart) and the binders and readers, generic over how a store binds a
// parameter and reads a column. Private to the adapters (header-only, not
// installed); the including adapter links Boost::json.
#pragma once

#include "payintent/audit.hpp"
#include "payintent/currency.hpp"
#include "payintent/error.hpp"
#include "payintent/records.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

// Parameter lists "P1, P2, ...": P is "?" (SQLite) or "$" (PostgreSQL).
// clang-format off
#define PAYINTENT_SQL_PARAMS_11(P) \
  P "1, " P "2, " P "3, " P "4, " P "5, " P "6, " P "7, " P "8, " P "9, " P "10, " P "11"
#define PAYINTENT_SQL_PARAMS_13(P) PAYINTENT_SQL_PARAMS_11(P) ", " P "12, " P "13"
#define PAYINTENT_SQL_PARAMS_18(P) \
  PAYINTENT_SQL_PARAMS_13(P) ", " P "14, " P "15, " P "16, " P "17, " P "18"
// Capture and refund (issue 23): the intent's capture_method and
// cancellation_reason (?19, ?20), the attempt's kind, amount, reason (?14-?16).
#define PAYINTENT_SQL_PARAMS_16(P) PAYINTENT_SQL_PARAMS_13(P) ", " P "14, " P "15, " P "16"
#define PAYINTENT_SQL_PARAMS_20(P) PAYINTENT_SQL_PARAMS_18(P) ", " P "19, " P "20"

#define PAYINTENT_SQL_INTENT_COLUMNS                                               \
  "tenant, id, amount, currency, status, payment_method, description, metadata, " \
  "last_error_code, last_error_decline_code, last_error_message, "                \
  "next_action_type, next_action_redirect_url, next_action_sdk_payload, "         \
  "next_action_3ds_trans_id, version, created_at, updated_at, "                  \
  "capture_method, cancellation_reason"
#define PAYINTENT_SQL_INTENT_PARAMS(P) PAYINTENT_SQL_PARAMS_20(P)

#define PAYINTENT_SQL_ATTEMPT_COLUMNS                                                \
  "tenant, intent_id, number, reference, state, payment_method, decline_code, " \
  "network_transaction_id, fence, lease_expires_at, node_id, created_at, updated_at, " \
  "kind, amount, reason"
#define PAYINTENT_SQL_ATTEMPT_PARAMS(P) PAYINTENT_SQL_PARAMS_16(P)

// "key" is quoted: a keyword in SQLite, a plain name in PostgreSQL.
#define PAYINTENT_SQL_KEY_COLUMNS                                                        \
  "tenant, \"key\", op, fingerprint, fingerprint_version, result_code, result_message, " \
  "result_intent, result_attempt, created_at, expires_at"
#define PAYINTENT_SQL_KEY_PARAMS(P) PAYINTENT_SQL_PARAMS_11(P)

#define PAYINTENT_SQL_AUDIT_COLUMNS                                                      \
  "tenant, intent_id, sequence, time_ms, attempt, event, from_state, to_state, detail, " \
  "node_id, fence, prev_hash, hash"
#define PAYINTENT_SQL_AUDIT_PARAMS(P) PAYINTENT_SQL_PARAMS_13(P)
// clang-format on

namespace payintent::adapter_detail {

// The enumerator stored as `raw`, or nullopt when this build does not know it.
template <class E>
std::optional<E> enum_in_range(std::int64_t raw, E lowest, E highest) noexcept {
  if (raw < static_cast<std::int64_t>(lowest) || raw > static_cast<std::int64_t>(highest)) {
    return std::nullopt;
  }
  return static_cast<E>(raw);
}

// Metadata as a JSON object of strings, e.g. {"order":"A-17"}. May throw.
inline std::string encode_metadata(const std::map<std::string, std::string>& metadata) {
  boost::json::object object;
  for (const auto& [k, v] : metadata) object[k] = v;
  return boost::json::serialize(object);
}

// storage_corrupt for anything but a JSON object of strings.
inline result<std::map<std::string, std::string>> decode_metadata(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return errc::storage_corrupt;
  std::map<std::string, std::string> metadata;
  for (const auto& [k, v] : value.get_object()) {
    if (!v.is_string()) return errc::storage_corrupt;
    metadata.emplace(std::string(k), std::string(v.get_string()));
  }
  return metadata;
}

// A row limit as the int64 a statement binds.
inline std::int64_t as_limit(std::size_t limit) noexcept {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

inline std::int64_t to_i64(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v);
}

// Adds `values` in order.
template <class Binder, class... Values>
void add_all(Binder& b, const Values&... values) {
  (b.add(values), ...);
}

// NULL marks an absent optional group (no last error, no next action).
template <class Binder>
void add_optional(Binder& b, bool present, std::string_view text) {
  if (present) {
    b.add(text);
  } else {
    b.add_null();
  }
}

// Binders append the record's values in column-list order. Binder: add(v)
// for std::int64_t and std::string_view, returning the binder, and
// add_null(). They may throw (allocation, JSON); the transaction runner maps
// that.
//
// Readers take a row selected with the matching column list. Row:
// text_at(column), int_at(column) and is_null(column), 0-based. A value this
// build cannot understand (an unknown enum value, currency or malformed
// metadata) answers storage_corrupt. `attempts` is left empty.

template <class Binder>
void bind_intent(Binder&& b, const payment_intent& intent, std::uint64_t version,
                 std::int64_t created_at_ms, std::int64_t updated_at_ms) {
  const auto& error = intent.last_error;
  const auto& action = intent.next_action;
  add_all(b, intent.tenant.str(), intent.id.str(), intent.amount.minor_units,
          intent.amount.currency != nullptr ? intent.amount.currency->code : "",
          static_cast<std::int64_t>(intent.status), intent.payment_method, intent.description,
          encode_metadata(intent.metadata));
  add_optional(b, error.has_value(), error ? error->code : "");
  add_optional(b, error.has_value(), error ? error->decline_code : "");
  add_optional(b, error.has_value(), error ? error->message : "");
  add_optional(b, action.has_value(), action ? action->type : "");
  add_optional(b, action.has_value(), action ? action->redirect_url : "");
  add_optional(b, action.has_value(), action ? action->sdk_payload : "");
  add_optional(b, action.has_value(), action ? action->three_ds_server_trans_id : "");
  add_all(b, to_i64(version), created_at_ms, updated_at_ms,
          static_cast<std::int64_t>(intent.capture_method), intent.cancellation_reason);
}

template <class Row>
result<payment_intent> read_intent(const Row& row) {
  payment_intent intent;
  intent.tenant = tenant_id(row.text_at(0));
  intent.id = intent_id(row.text_at(1));
  intent.amount.minor_units = row.int_at(2);
  if (const auto code = row.text_at(3); !code.empty()) {
    intent.amount.currency = find_currency(code);
    if (intent.amount.currency == nullptr) return errc::storage_corrupt;
  }
  const auto status =
      enum_in_range(row.int_at(4), intent_status::created, intent_status::requires_capture);
  if (!status) return errc::storage_corrupt;
  intent.status = *status;
  intent.payment_method = row.text_at(5);
  intent.description = row.text_at(6);
  BOOST_OUTCOME_TRY(intent.metadata, decode_metadata(row.text_at(7)));
  if (!row.is_null(8)) {
    intent.last_error = payment_error{row.text_at(8), row.text_at(9), row.text_at(10)};
  }
  if (!row.is_null(11)) {
    intent.next_action =
        next_action{row.text_at(11), row.text_at(12), row.text_at(13), row.text_at(14)};
  }
  intent.version = static_cast<std::uint64_t>(row.int_at(15));
  intent.created_at_ms = row.int_at(16);
  intent.updated_at_ms = row.int_at(17);
  const auto capture =
      enum_in_range(row.int_at(18), capture_method::automatic, capture_method::manual);
  if (!capture) return errc::storage_corrupt;
  intent.capture_method = *capture;
  intent.cancellation_reason = row.text_at(19);
  return intent;
}

template <class Binder>
void bind_attempt(Binder&& b, const tenant_id& tenant, const intent_id& intent,
                  const attempt& value) {
  add_all(b, tenant.str(), intent.str(), std::int64_t{value.number}, value.reference,
          static_cast<std::int64_t>(value.state), value.payment_method, value.decline_code,
          value.network_transaction_id, to_i64(value.fence), value.lease_expires_at_ms,
          value.node_id, value.created_at_ms, value.updated_at_ms,
          static_cast<std::int64_t>(value.kind), value.amount, value.reason);
}

template <class Row>
result<attempt> read_attempt(const Row& row) {
  attempt value;
  value.number = static_cast<int>(row.int_at(2));
  value.reference = row.text_at(3);
  const auto state = enum_in_range(row.int_at(4), attempt_state::init, attempt_state::succeeded);
  if (!state) return errc::storage_corrupt;
  value.state = *state;
  value.payment_method = row.text_at(5);
  value.decline_code = row.text_at(6);
  value.network_transaction_id = row.text_at(7);
  value.fence = static_cast<std::uint64_t>(row.int_at(8));
  value.lease_expires_at_ms = row.int_at(9);
  value.node_id = row.text_at(10);
  value.created_at_ms = row.int_at(11);
  value.updated_at_ms = row.int_at(12);
  const auto kind = enum_in_range(row.int_at(13), attempt_kind::authorization, attempt_kind::refund);
  if (!kind) return errc::storage_corrupt;
  value.kind = *kind;
  value.amount = row.int_at(14);
  value.reason = row.text_at(15);
  return value;
}

template <class Binder>
void bind_key(Binder&& b, const key_record& key) {
  add_all(b, key.tenant.str(), key.key.str(), static_cast<std::int64_t>(key.op), key.fingerprint,
          std::int64_t{key.fingerprint_version}, std::int64_t{key.result.code}, key.result.message,
          key.result.intent.str(), std::int64_t{key.result.attempt_number}, key.created_at_ms,
          key.expires_at_ms);
}

template <class Row>
result<key_record> read_key(const Row& row) {
  key_record key;
  key.tenant = tenant_id(row.text_at(0));
  key.key = idempotency_key(row.text_at(1));
  const auto op = enum_in_range(row.int_at(2), operation::create_intent, operation::refund);
  if (!op) return errc::storage_corrupt;
  key.op = *op;
  key.fingerprint = row.text_at(3);
  key.fingerprint_version = static_cast<int>(row.int_at(4));
  key.result.code = static_cast<int>(row.int_at(5));
  key.result.message = row.text_at(6);
  key.result.intent = intent_id(row.text_at(7));
  key.result.attempt_number = static_cast<int>(row.int_at(8));
  key.created_at_ms = row.int_at(9);
  key.expires_at_ms = row.int_at(10);
  return key;
}

// An entry as the view store_kit::audit_view gives, with its `hash`: a
// store that seals entries without building audit_entry records.
template <class Binder>
void bind_audit(Binder&& b, const audit_entry_view& entry, std::string_view hash) {
  add_all(b, entry.tenant, entry.intent, to_i64(entry.sequence), entry.time_ms,
          std::int64_t{entry.attempt_number}, entry.event, entry.from, entry.to, entry.detail,
          entry.node_id, to_i64(entry.fence), entry.prev_hash, hash);
}

template <class Binder>
void bind_audit(Binder&& b, const audit_entry& entry) {
  bind_audit(b,
             audit_entry_view{entry.sequence, entry.time_ms, entry.tenant.str(), entry.intent.str(),
                              entry.attempt_number, entry.event, entry.from, entry.to, entry.detail,
                              entry.node_id, entry.fence, entry.prev_hash},
             entry.hash);
}

template <class Row>
audit_entry read_audit(const Row& row) {
  // In audit_entry's member order.
  return audit_entry{static_cast<std::uint64_t>(row.int_at(2)),
                     row.int_at(3),
                     tenant_id(row.text_at(0)),
                     intent_id(row.text_at(1)),
                     static_cast<int>(row.int_at(4)),
                     row.text_at(5),
                     row.text_at(6),
                     row.text_at(7),
                     row.text_at(8),
                     row.text_at(9),
                     static_cast<std::uint64_t>(row.int_at(10)),
                     row.text_at(11),
                     row.text_at(12)};
}

}  // namespace payintent::adapter_detail
