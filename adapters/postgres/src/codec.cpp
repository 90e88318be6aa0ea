#include "codec.hpp"

#include "codec_support.hpp"

namespace payintent::postgres_detail {
namespace {

using adapter_detail::decode_metadata;
using adapter_detail::encode_metadata;
using adapter_detail::enum_in_range;

std::int64_t to_i64(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v);
}

// NULL marks an absent optional group (no last error, no next action).
void add_optional(params& p, bool present, std::string_view text) {
  if (present) {
    p.add(text);
  } else {
    p.add_null();
  }
}

}  // namespace

void bind_intent(params& p, const payment_intent& intent, std::uint64_t version,
                 std::int64_t created_at_ms, std::int64_t updated_at_ms) {
  const auto& error = intent.last_error;
  const auto& action = intent.next_action;
  p.add(intent.tenant.str())
      .add(intent.id.str())
      .add(intent.amount.minor_units)
      .add(intent.amount.currency != nullptr ? intent.amount.currency->code : "")
      .add(static_cast<std::int64_t>(intent.status))
      .add(intent.payment_method)
      .add(intent.description)
      .add(encode_metadata(intent.metadata));
  add_optional(p, error.has_value(), error ? error->code : "");
  add_optional(p, error.has_value(), error ? error->decline_code : "");
  add_optional(p, error.has_value(), error ? error->message : "");
  add_optional(p, action.has_value(), action ? action->type : "");
  add_optional(p, action.has_value(), action ? action->redirect_url : "");
  add_optional(p, action.has_value(), action ? action->sdk_payload : "");
  add_optional(p, action.has_value(), action ? action->three_ds_server_trans_id : "");
  p.add(to_i64(version)).add(created_at_ms).add(updated_at_ms);
}

result<payment_intent> read_intent(const rows& r, int i) {
  payment_intent intent;
  intent.tenant = tenant_id(r.text_at(i, 0));
  intent.id = intent_id(r.text_at(i, 1));
  intent.amount.minor_units = r.int_at(i, 2);
  if (const auto code = r.text_at(i, 3); !code.empty()) {
    intent.amount.currency = find_currency(code);
    if (intent.amount.currency == nullptr) return errc::storage_corrupt;
  }
  const auto status =
      enum_in_range(r.int_at(i, 4), intent_status::created, intent_status::requires_review);
  if (!status) return errc::storage_corrupt;
  intent.status = *status;
  intent.payment_method = r.text_at(i, 5);
  intent.description = r.text_at(i, 6);
  BOOST_OUTCOME_TRY(intent.metadata, decode_metadata(r.text_at(i, 7)));
  if (!r.is_null(i, 8)) {
    intent.last_error = payment_error{r.text_at(i, 8), r.text_at(i, 9), r.text_at(i, 10)};
  }
  if (!r.is_null(i, 11)) {
    intent.next_action =
        next_action{r.text_at(i, 11), r.text_at(i, 12), r.text_at(i, 13), r.text_at(i, 14)};
  }
  intent.version = static_cast<std::uint64_t>(r.int_at(i, 15));
  intent.created_at_ms = r.int_at(i, 16);
  intent.updated_at_ms = r.int_at(i, 17);
  return intent;
}

void bind_attempt(params& p, const tenant_id& tenant, const intent_id& intent,
                  const attempt& value) {
  p.add(tenant.str())
      .add(intent.str())
      .add(std::int64_t{value.number})
      .add(value.reference)
      .add(static_cast<std::int64_t>(value.state))
      .add(value.payment_method)
      .add(value.decline_code)
      .add(value.network_transaction_id)
      .add(to_i64(value.fence))
      .add(value.lease_expires_at_ms)
      .add(value.node_id)
      .add(value.created_at_ms)
      .add(value.updated_at_ms);
}

result<attempt> read_attempt(const rows& r, int i) {
  attempt value;
  value.number = static_cast<int>(r.int_at(i, 2));
  value.reference = r.text_at(i, 3);
  const auto state = enum_in_range(r.int_at(i, 4), attempt_state::init, attempt_state::voided);
  if (!state) return errc::storage_corrupt;
  value.state = *state;
  value.payment_method = r.text_at(i, 5);
  value.decline_code = r.text_at(i, 6);
  value.network_transaction_id = r.text_at(i, 7);
  value.fence = static_cast<std::uint64_t>(r.int_at(i, 8));
  value.lease_expires_at_ms = r.int_at(i, 9);
  value.node_id = r.text_at(i, 10);
  value.created_at_ms = r.int_at(i, 11);
  value.updated_at_ms = r.int_at(i, 12);
  return value;
}

void bind_key(params& p, const key_record& key) {
  p.add(key.tenant.str())
      .add(key.key.str())
      .add(static_cast<std::int64_t>(key.op))
      .add(key.fingerprint)
      .add(std::int64_t{key.fingerprint_version})
      .add(std::int64_t{key.result.code})
      .add(key.result.message)
      .add(key.result.intent.str())
      .add(std::int64_t{key.result.attempt_number})
      .add(key.created_at_ms)
      .add(key.expires_at_ms);
}

result<key_record> read_key(const rows& r, int i) {
  key_record key;
  key.tenant = tenant_id(r.text_at(i, 0));
  key.key = idempotency_key(r.text_at(i, 1));
  const auto op = enum_in_range(r.int_at(i, 2), operation::create_intent, operation::authenticate);
  if (!op) return errc::storage_corrupt;
  key.op = *op;
  key.fingerprint = r.text_at(i, 3);
  key.fingerprint_version = static_cast<int>(r.int_at(i, 4));
  key.result.code = static_cast<int>(r.int_at(i, 5));
  key.result.message = r.text_at(i, 6);
  key.result.intent = intent_id(r.text_at(i, 7));
  key.result.attempt_number = static_cast<int>(r.int_at(i, 8));
  key.created_at_ms = r.int_at(i, 9);
  key.expires_at_ms = r.int_at(i, 10);
  return key;
}

void bind_audit(params& p, const audit_entry& entry) {
  p.add(entry.tenant.str())
      .add(entry.intent.str())
      .add(to_i64(entry.sequence))
      .add(entry.time_ms)
      .add(std::int64_t{entry.attempt_number})
      .add(entry.event)
      .add(entry.from)
      .add(entry.to)
      .add(entry.detail)
      .add(entry.node_id)
      .add(to_i64(entry.fence))
      .add(entry.prev_hash)
      .add(entry.hash);
}

audit_entry read_audit(const rows& r, int i) {
  audit_entry entry;
  entry.tenant = tenant_id(r.text_at(i, 0));
  entry.intent = intent_id(r.text_at(i, 1));
  entry.sequence = static_cast<std::uint64_t>(r.int_at(i, 2));
  entry.time_ms = r.int_at(i, 3);
  entry.attempt_number = static_cast<int>(r.int_at(i, 4));
  entry.event = r.text_at(i, 5);
  entry.from = r.text_at(i, 6);
  entry.to = r.text_at(i, 7);
  entry.detail = r.text_at(i, 8);
  entry.node_id = r.text_at(i, 9);
  entry.fence = static_cast<std::uint64_t>(r.int_at(i, 10));
  entry.prev_hash = r.text_at(i, 11);
  entry.hash = r.text_at(i, 12);
  return entry;
}

}  // namespace payintent::postgres_detail
