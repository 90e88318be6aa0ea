#include "codec.hpp"

#include "codec_support.hpp"

namespace payintent::sqlite_detail {
namespace {

using adapter_detail::decode_metadata;
using adapter_detail::encode_metadata;
using adapter_detail::enum_in_range;

std::int64_t to_i64(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v);
}

void bind_optional(statement& stmt, int index, bool present, std::string_view text) {
  if (present) {
    stmt.bind(index, text);
  } else {
    stmt.bind_null(index);
  }
}

}  // namespace

void bind_intent(statement& stmt, const payment_intent& intent, std::uint64_t version,
                 std::int64_t created_at_ms, std::int64_t updated_at_ms) {
  const auto& error = intent.last_error;
  const auto& action = intent.next_action;
  stmt.bind(1, intent.tenant.str())
      .bind(2, intent.id.str())
      .bind(3, intent.amount.minor_units)
      .bind(4, intent.amount.currency != nullptr ? intent.amount.currency->code : "")
      .bind(5, static_cast<std::int64_t>(intent.status))
      .bind(6, intent.payment_method)
      .bind(7, intent.description)
      .bind(8, encode_metadata(intent.metadata));
  // NULL code = no last error; NULL type = no next action.
  bind_optional(stmt, 9, error.has_value(), error ? error->code : "");
  bind_optional(stmt, 10, error.has_value(), error ? error->decline_code : "");
  bind_optional(stmt, 11, error.has_value(), error ? error->message : "");
  bind_optional(stmt, 12, action.has_value(), action ? action->type : "");
  bind_optional(stmt, 13, action.has_value(), action ? action->redirect_url : "");
  bind_optional(stmt, 14, action.has_value(), action ? action->sdk_payload : "");
  bind_optional(stmt, 15, action.has_value(), action ? action->three_ds_server_trans_id : "");
  stmt.bind(16, to_i64(version)).bind(17, created_at_ms).bind(18, updated_at_ms);
}

result<payment_intent> read_intent(const statement& row) {
  payment_intent intent;
  intent.tenant = tenant_id(row.text_at(0));
  intent.id = intent_id(row.text_at(1));
  intent.amount.minor_units = row.int_at(2);
  if (const auto code = row.text_at(3); !code.empty()) {
    intent.amount.currency = find_currency(code);
    if (intent.amount.currency == nullptr) return errc::storage_corrupt;
  }
  const auto status =
      enum_in_range(row.int_at(4), intent_status::created, intent_status::requires_review);
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
  return intent;
}

void bind_attempt(statement& stmt, const tenant_id& tenant, const intent_id& intent,
                  const attempt& value) {
  stmt.bind(1, tenant.str())
      .bind(2, intent.str())
      .bind(3, std::int64_t{value.number})
      .bind(4, value.reference)
      .bind(5, static_cast<std::int64_t>(value.state))
      .bind(6, value.payment_method)
      .bind(7, value.decline_code)
      .bind(8, value.network_transaction_id)
      .bind(9, to_i64(value.fence))
      .bind(10, value.lease_expires_at_ms)
      .bind(11, value.node_id)
      .bind(12, value.created_at_ms)
      .bind(13, value.updated_at_ms);
}

result<attempt> read_attempt(const statement& row) {
  attempt value;
  value.number = static_cast<int>(row.int_at(2));
  value.reference = row.text_at(3);
  const auto state = enum_in_range(row.int_at(4), attempt_state::init, attempt_state::voided);
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
  return value;
}

void bind_key(statement& stmt, const key_record& key) {
  stmt.bind(1, key.tenant.str())
      .bind(2, key.key.str())
      .bind(3, static_cast<std::int64_t>(key.op))
      .bind(4, key.fingerprint)
      .bind(5, std::int64_t{key.fingerprint_version})
      .bind(6, std::int64_t{key.result.code})
      .bind(7, key.result.message)
      .bind(8, key.result.intent.str())
      .bind(9, std::int64_t{key.result.attempt_number})
      .bind(10, key.created_at_ms)
      .bind(11, key.expires_at_ms);
}

result<key_record> read_key(const statement& row) {
  key_record key;
  key.tenant = tenant_id(row.text_at(0));
  key.key = idempotency_key(row.text_at(1));
  const auto op = enum_in_range(row.int_at(2), operation::create_intent, operation::authenticate);
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

void bind_audit(statement& stmt, const audit_entry& entry) {
  stmt.bind(1, entry.tenant.str())
      .bind(2, entry.intent.str())
      .bind(3, to_i64(entry.sequence))
      .bind(4, entry.time_ms)
      .bind(5, std::int64_t{entry.attempt_number})
      .bind(6, entry.event)
      .bind(7, entry.from)
      .bind(8, entry.to)
      .bind(9, entry.detail)
      .bind(10, entry.node_id)
      .bind(11, to_i64(entry.fence))
      .bind(12, entry.prev_hash)
      .bind(13, entry.hash);
}

audit_entry read_audit(const statement& row) {
  audit_entry entry;
  entry.tenant = tenant_id(row.text_at(0));
  entry.intent = intent_id(row.text_at(1));
  entry.sequence = static_cast<std::uint64_t>(row.int_at(2));
  entry.time_ms = row.int_at(3);
  entry.attempt_number = static_cast<int>(row.int_at(4));
  entry.event = row.text_at(5);
  entry.from = row.text_at(6);
  entry.to = row.text_at(7);
  entry.detail = row.text_at(8);
  entry.node_id = row.text_at(9);
  entry.fence = static_cast<std::uint64_t>(row.int_at(10));
  entry.prev_hash = row.text_at(11);
  entry.hash = row.text_at(12);
  return entry;
}

}  // namespace payintent::sqlite_detail
