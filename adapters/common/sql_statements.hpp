// The statements both SQL stores run alike, written once with SQLite's
// parameters (?1, ?2, ...): SQLite runs them as they are, PostgreSQL as
// marked<'$', ...>. Each store keeps the statements only it runs. Private to the adapters
// (header-only, not installed).
#pragma once

#include "sql_codec.hpp"

#include <cstddef>

// A write to an existing intent (its version checked) updates the row, and a
// fenced write updates its attempt; the updates take the inserts' parameters
// (created_at, ?17 and ?12, is kept: not set).
// clang-format off
#define PAYINTENT_SQL_UPDATE_INTENT                                                          \
  "UPDATE intents SET amount = ?3, currency = ?4, status = ?5, payment_method = ?6, "        \
  "description = ?7, metadata = ?8, last_error_code = ?9, last_error_decline_code = ?10, "   \
  "last_error_message = ?11, next_action_type = ?12, next_action_redirect_url = ?13, "       \
  "next_action_sdk_payload = ?14, next_action_3ds_trans_id = ?15, version = ?16, "           \
  "updated_at = ?18, capture_method = ?19, cancellation_reason = ?20 "                    \
  "WHERE tenant = ?1 AND id = ?2"
#define PAYINTENT_SQL_UPDATE_ATTEMPT                                                         \
  "UPDATE attempts SET reference = ?4, state = ?5, payment_method = ?6, decline_code = ?7, " \
  "network_transaction_id = ?8, fence = ?9, lease_expires_at = ?10, node_id = ?11, "         \
  "updated_at = ?13, kind = ?14, amount = ?15, reason = ?16 "                               \
  "WHERE tenant = ?1 AND intent_id = ?2 AND number = ?3"
// A purge deletes keys expired by `?1`, at most `?2`, except a key naming an
// attempt still init/pending/unknown, which guards it until recovery has
// reconciled it, however old the key. Each store ends the statement: which
// attempts guard a key, and how the batch is taken.
#define PAYINTENT_SQL_PURGE_KEYS_HEAD                                                          \
  "DELETE FROM idempotency_keys WHERE (tenant, \"key\") IN ("                                 \
  " SELECT k.tenant, k.\"key\" FROM idempotency_keys AS k"                                    \
  " WHERE k.expires_at <= ?1 AND NOT EXISTS ("                                                 \
  "  SELECT 1 FROM attempts AS a WHERE a.tenant = k.tenant AND a.intent_id = k.result_intent"
// clang-format on

namespace payintent::adapter_detail {

// A statement's text with every '?' replaced by the store's marker, built at
// compile time; c_str() has static storage when the value does (PostgreSQL
// keys prepared statements by address).
template <std::size_t N>
struct sql_text {
  char text[N] = {};
  constexpr const char* c_str() const noexcept { return text; }
};

template <char Marker, std::size_t N>
constexpr sql_text<N> with_marker(const char (&sql)[N]) noexcept {
  sql_text<N> out;
  for (std::size_t i = 0; i < N; ++i) out.text[i] = sql[i] == '?' ? Marker : sql[i];
  return out;
}

// By table. A new intent or attempt is a plain INSERT: a row already there
// (a concurrent twin) fails on the key, which the store answers with
// version_conflict.
inline constexpr char select_intent_sql[] =
    "SELECT " PAYINTENT_SQL_INTENT_COLUMNS " FROM intents WHERE tenant = ?1 AND id = ?2";
// "status = 3" (requires_action) must match the partial index
// intents_requires_action word for word, or the planner will not use it.
inline constexpr char select_requires_action_sql[] =
    "SELECT tenant, id, updated_at FROM intents WHERE status = 3 AND updated_at <= ?1 "
    "ORDER BY updated_at, tenant, id LIMIT ?2";
// The holds to expire: intents in requires_capture (8) with the updated_at of
// their held authorization (kind 1 authorization, state 2 authorized; the
// newest, should there be several). "status = 8" must match the partial
// index intents_requires_capture word for word.
inline constexpr char select_requires_capture_sql[] =
    "SELECT i.tenant, i.id, MAX(a.updated_at) FROM intents i JOIN attempts a "
    "ON a.tenant = i.tenant AND a.intent_id = i.id AND a.kind = 1 AND a.state = 2 "
    "WHERE i.status = 8 GROUP BY i.tenant, i.id HAVING MAX(a.updated_at) <= ?1 "
    "ORDER BY 3, 1, 2 LIMIT ?2";
inline constexpr char insert_intent_sql[] = "INSERT INTO intents (" PAYINTENT_SQL_INTENT_COLUMNS
                                            ") VALUES (" PAYINTENT_SQL_INTENT_PARAMS("?") ")";

inline constexpr char select_attempts_sql[] =
    "SELECT " PAYINTENT_SQL_ATTEMPT_COLUMNS
    " FROM attempts WHERE tenant = ?1 AND intent_id = ?2 ORDER BY number";
inline constexpr char count_attempts_sql[] =
    "SELECT COALESCE(MAX(number), 0) FROM attempts WHERE tenant = ?1 AND intent_id = ?2";
inline constexpr char select_attempt_sql[] =
    "SELECT " PAYINTENT_SQL_ATTEMPT_COLUMNS
    " FROM attempts WHERE tenant = ?1 AND intent_id = ?2 AND number = ?3";
inline constexpr char insert_attempt_sql[] = "INSERT INTO attempts (" PAYINTENT_SQL_ATTEMPT_COLUMNS
                                             ") VALUES (" PAYINTENT_SQL_ATTEMPT_PARAMS("?") ")";

inline constexpr char select_key_sql[] =
    "SELECT " PAYINTENT_SQL_KEY_COLUMNS " FROM idempotency_keys WHERE tenant = ?1 AND \"key\" = ?2";

inline constexpr char select_audit_sql[] =
    "SELECT " PAYINTENT_SQL_AUDIT_COLUMNS
    " FROM audit WHERE tenant = ?1 AND intent_id = ?2 ORDER BY sequence";
inline constexpr char last_audit_sql[] =
    "SELECT " PAYINTENT_SQL_AUDIT_COLUMNS
    " FROM audit WHERE tenant = ?1 AND intent_id = ?2 ORDER BY sequence DESC LIMIT 1";

// `text` (one of the above) with PostgreSQL's or another marker, as a
// constant with static storage.
template <char Marker, const auto& Text>
inline constexpr auto marked = with_marker<Marker>(Text);

}  // namespace payintent::adapter_detail
