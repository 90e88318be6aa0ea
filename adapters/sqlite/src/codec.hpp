// Row <-> record mapping. Each column list below is the one order its reader
// and binder expect; queries splice the list in, so they cannot drift apart.
// Private to the adapter.
#pragma once

#include "connection.hpp"
#include "payintent/records.hpp"

#include <cstdint>

// clang-format off
#define PAYINTENT_SQLITE_INTENT_COLUMNS                                            \
  "tenant, id, amount, currency, status, payment_method, description, metadata, " \
  "last_error_code, last_error_decline_code, last_error_message, "                \
  "next_action_type, next_action_redirect_url, next_action_sdk_payload, "         \
  "next_action_3ds_trans_id, version, created_at, updated_at"
#define PAYINTENT_SQLITE_INTENT_PARAMS \
  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18"

#define PAYINTENT_SQLITE_ATTEMPT_COLUMNS                                     \
  "tenant, intent_id, number, reference, state, payment_method, decline_code, " \
  "network_transaction_id, fence, lease_expires_at, node_id, created_at, updated_at"
#define PAYINTENT_SQLITE_ATTEMPT_PARAMS "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"

#define PAYINTENT_SQLITE_KEY_COLUMNS                                                \
  "tenant, \"key\", op, fingerprint, fingerprint_version, result_code, result_message, " \
  "result_intent, result_attempt, created_at, expires_at"
#define PAYINTENT_SQLITE_KEY_PARAMS "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11"

#define PAYINTENT_SQLITE_AUDIT_COLUMNS                                                \
  "tenant, intent_id, sequence, time_ms, attempt, event, from_state, to_state, detail, " \
  "node_id, fence, prev_hash, hash"
#define PAYINTENT_SQLITE_AUDIT_PARAMS "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"
// clang-format on

namespace payintent::sqlite_detail {

// Binders fill parameters ?1.. in column-list order. They may throw
// (allocation, JSON); the transaction runner maps that.
void bind_intent(statement& stmt, const payment_intent& intent, std::uint64_t version,
                 std::int64_t created_at_ms, std::int64_t updated_at_ms);
void bind_attempt(statement& stmt, const tenant_id& tenant, const intent_id& intent,
                  const attempt& value);
void bind_key(statement& stmt, const key_record& key);
void bind_audit(statement& stmt, const audit_entry& entry);

// Readers take a row selected with the matching column list. A value this
// build cannot understand (an unknown enum value, currency or malformed
// metadata) answers storage_corrupt. `attempts` is left empty.
result<payment_intent> read_intent(const statement& row);
result<attempt> read_attempt(const statement& row);
result<key_record> read_key(const statement& row);
audit_entry read_audit(const statement& row);

}  // namespace payintent::sqlite_detail
