// Row <-> record mapping: the one file to touch when a record gains a field.
// Each column list below is the one order its reader and binder expect;
// queries splice the list in, so they cannot drift apart. Private to the
// adapter.
#pragma once

#include "connection.hpp"
#include "payintent/records.hpp"

#include <cstdint>

// clang-format off
#define PAYINTENT_PG_INTENT_COLUMNS                                                \
  "tenant, id, amount, currency, status, payment_method, description, metadata, " \
  "last_error_code, last_error_decline_code, last_error_message, "                \
  "next_action_type, next_action_redirect_url, next_action_sdk_payload, "         \
  "next_action_3ds_trans_id, version, created_at, updated_at"
#define PAYINTENT_PG_INTENT_PARAMS \
  "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18"

#define PAYINTENT_PG_ATTEMPT_COLUMNS                                               \
  "tenant, intent_id, number, reference, state, payment_method, decline_code, " \
  "network_transaction_id, fence, lease_expires_at, node_id, created_at, updated_at"
#define PAYINTENT_PG_ATTEMPT_PARAMS "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13"

#define PAYINTENT_PG_KEY_COLUMNS                                                      \
  "tenant, key, op, fingerprint, fingerprint_version, result_code, result_message, " \
  "result_intent, result_attempt, created_at, expires_at"
#define PAYINTENT_PG_KEY_PARAMS "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11"

#define PAYINTENT_PG_AUDIT_COLUMNS                                                        \
  "tenant, intent_id, sequence, time_ms, attempt, event, from_state, to_state, detail, " \
  "node_id, fence, prev_hash, hash"
#define PAYINTENT_PG_AUDIT_PARAMS "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13"
// clang-format on

namespace payintent::postgres_detail {

// Binders append parameters in column-list order. They may throw
// (allocation, JSON); the transaction runner maps that.
void bind_intent(params& p, const payment_intent& intent, std::uint64_t version,
                 std::int64_t created_at_ms, std::int64_t updated_at_ms);
void bind_attempt(params& p, const tenant_id& tenant, const intent_id& intent,
                  const attempt& value);
void bind_key(params& p, const key_record& key);
void bind_audit(params& p, const audit_entry& entry);

// Readers take row `i` of rows selected with the matching column list. A
// value this build cannot understand (an unknown enum value, currency or
// malformed metadata) answers storage_corrupt. `attempts` is left empty.
result<payment_intent> read_intent(const rows& r, int i);
result<attempt> read_attempt(const rows& r, int i);
result<key_record> read_key(const rows& r, int i);
audit_entry read_audit(const rows& r, int i);

}  // namespace payintent::postgres_detail
