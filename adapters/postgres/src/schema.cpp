#include "schema.hpp"

#include "payintent/postgres_store.hpp"

#include <iterator>

namespace payintent::postgres_detail {
namespace {

struct migration {
  int version;
  // The oldest schema version whose code still works after this migration:
  // 1 for an additive one (old servers keep running during a rolling deploy).
  int compatible_from;
  const char* sql;
};

// Forward-only and additive: a released migration is never edited; a change
// is a new entry. Enumerations are stored as their persisted integers, times
// as ms since the Unix epoch on the store clock. Partial index values 1, 5, 6
// are attempt_state init, pending, unknown.
constexpr migration migrations[] = {
    {1, 1, R"sql(
CREATE TABLE intents (
  tenant text NOT NULL,
  id text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  status smallint NOT NULL,
  payment_method text NOT NULL,
  description text NOT NULL,
  metadata jsonb NOT NULL,
  last_error_code text,
  last_error_decline_code text,
  last_error_message text,
  next_action_type text,
  next_action_redirect_url text,
  next_action_sdk_payload text,
  next_action_3ds_trans_id text,
  version bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE TABLE attempts (
  tenant text NOT NULL,
  intent_id text NOT NULL,
  number integer NOT NULL,
  reference text NOT NULL,
  state smallint NOT NULL,
  payment_method text NOT NULL,
  decline_code text NOT NULL,
  network_transaction_id text NOT NULL,
  fence bigint NOT NULL,
  lease_expires_at bigint NOT NULL,
  node_id text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, intent_id, number),
  FOREIGN KEY (tenant, intent_id) REFERENCES intents (tenant, id)
);
CREATE INDEX attempts_unresolved ON attempts (lease_expires_at) WHERE state IN (1, 5, 6);
CREATE TABLE idempotency_keys (
  tenant text NOT NULL,
  key text NOT NULL,
  op smallint NOT NULL,
  fingerprint text NOT NULL,
  fingerprint_version integer NOT NULL,
  result_code integer NOT NULL,
  result_message text NOT NULL,
  result_intent text NOT NULL,
  result_attempt integer NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (tenant, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
CREATE TABLE audit (
  tenant text NOT NULL,
  intent_id text NOT NULL,
  sequence bigint NOT NULL,
  time_ms bigint NOT NULL,
  attempt integer NOT NULL,
  event text NOT NULL,
  from_state text NOT NULL,
  to_state text NOT NULL,
  detail text NOT NULL,
  node_id text NOT NULL,
  fence bigint NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (tenant, intent_id, sequence)
);
)sql"},
    // Challenge expiry by recovery: intents waiting in requires_action (3).
    {2, 1, R"sql(
CREATE INDEX IF NOT EXISTS intents_requires_action ON intents (updated_at) WHERE status = 3;
)sql"},
    // Manual capture and refunds: an intent's capture_method (1 automatic)
    // and cancellation_reason; an attempt's kind (1 authorization), amount
    // and reason. Rows written before keep the defaults, which are theirs.
    {3, 1, R"sql(
ALTER TABLE intents ADD COLUMN capture_method bigint NOT NULL DEFAULT 1;
ALTER TABLE intents ADD COLUMN cancellation_reason text NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN kind bigint NOT NULL DEFAULT 1;
ALTER TABLE attempts ADD COLUMN amount bigint NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN reason text NOT NULL DEFAULT '';
)sql"},
    // Authorization expiry by recovery: intents holding an uncaptured
    // authorization, in requires_capture (8).
    {4, 1, R"sql(
CREATE INDEX IF NOT EXISTS intents_requires_capture ON intents (tenant, id) WHERE status = 8;
)sql"},
    // The event outbox (events.hpp): events numbered at commit from
    // event_numbers (transaction.cpp), and the consumers' cursors.
    {5, 1, R"sql(
CREATE SEQUENCE event_numbers;
CREATE TABLE events (
  sequence bigint PRIMARY KEY,
  id text NOT NULL,
  type text NOT NULL,
  tenant text NOT NULL,
  intent_id text NOT NULL,
  created_at bigint NOT NULL,
  snapshot text NOT NULL
);
CREATE INDEX events_id ON events (id);
CREATE TABLE event_consumers (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at bigint NOT NULL
);
)sql"},
#ifdef PAYINTENT_POSTGRES_NEXT_MIGRATION
    // Test builds only: "version N+1" of the rolling upgrade test
    // (tests/multiprocess), one more additive migration beside version N.
    {6, 1, R"sql(
ALTER TABLE intents ADD COLUMN IF NOT EXISTS upgrade_note text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS intents_upgrade_note ON intents (upgrade_note);
)sql"},
#endif
};

}  // namespace

#ifndef PAYINTENT_POSTGRES_NEXT_MIGRATION
static_assert(migrations[std::size(migrations) - 1].version == postgres_store::schema_version,
              "schema_version names the newest migration");
#endif

int newest_version() noexcept {
  return migrations[std::size(migrations) - 1].version;
}

namespace {

// Any constant serves, as long as every payintent build uses the same one.
constexpr const char* lock_sql = "SELECT pg_advisory_xact_lock(7216601)";
constexpr const char* create_schema_table_sql =
    "CREATE TABLE IF NOT EXISTS payintent_schema (version integer PRIMARY KEY, "
    "compatible_from integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";
constexpr const char* read_version_sql =
    "SELECT COALESCE(MAX(version), 0), COALESCE(MAX(compatible_from), 0) FROM payintent_schema";
constexpr const char* record_sql =
    "INSERT INTO payintent_schema (version, compatible_from) VALUES ($1, $2)";

}  // namespace

result<void> migrate(transaction_runner& runner, int target_version) {
  return runner.run(tx_kind::write, [&](connection& conn, std::int64_t) -> result<void> {
    BOOST_OUTCOME_TRY(conn.exec(lock_sql));
    BOOST_OUTCOME_TRY(conn.exec(create_schema_table_sql));
    BOOST_OUTCOME_TRY(auto found, conn.exec(read_version_sql));
    const auto current = found.int_at(0, 0);
    if (found.int_at(0, 1) > target_version) return errc::not_supported;
    for (const auto& m : migrations) {
      if (m.version <= current || m.version > target_version) continue;
      BOOST_OUTCOME_TRY(conn.exec(m.sql));
      BOOST_OUTCOME_TRY(conn.query(
          record_sql, params().add(std::int64_t{m.version}).add(std::int64_t{m.compatible_from})));
    }
    return outcome::success();
  });
}

}  // namespace payintent::postgres_detail
