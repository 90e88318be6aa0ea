#include "schema.hpp"

#include <fmt/format.h>

#include <iterator>
#include <string>

namespace payintent::sqlite_detail {
namespace {

struct migration {
  int version;
  const char* sql;
};

// Forward-only and additive: a released migration is never edited; a change
// is a new entry. Enumerations are stored as their persisted integers.
// Partial index values 1, 5, 6 are attempt_state init, pending, unknown.
constexpr migration migrations[] = {
    {1, R"sql(
CREATE TABLE intents (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status INTEGER NOT NULL,
  payment_method TEXT NOT NULL,
  description TEXT NOT NULL,
  metadata TEXT NOT NULL,
  last_error_code TEXT,
  last_error_decline_code TEXT,
  last_error_message TEXT,
  next_action_type TEXT,
  next_action_redirect_url TEXT,
  next_action_sdk_payload TEXT,
  next_action_3ds_trans_id TEXT,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE TABLE attempts (
  tenant TEXT NOT NULL,
  intent_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  reference TEXT NOT NULL,
  state INTEGER NOT NULL,
  payment_method TEXT NOT NULL,
  decline_code TEXT NOT NULL,
  network_transaction_id TEXT NOT NULL,
  fence INTEGER NOT NULL,
  lease_expires_at INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, intent_id, number)
);
CREATE INDEX attempts_unresolved ON attempts (lease_expires_at) WHERE state IN (1, 5, 6);
CREATE TABLE idempotency_keys (
  tenant TEXT NOT NULL,
  "key" TEXT NOT NULL,
  op INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  fingerprint_version INTEGER NOT NULL,
  result_code INTEGER NOT NULL,
  result_message TEXT NOT NULL,
  result_intent TEXT NOT NULL,
  result_attempt INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, "key")
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
CREATE TABLE audit (
  tenant TEXT NOT NULL,
  intent_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  event TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  detail TEXT NOT NULL,
  node_id TEXT NOT NULL,
  fence INTEGER NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (tenant, intent_id, sequence)
);
)sql"},
    // Challenge expiry by recovery: intents waiting in requires_action (3).
    {2, R"sql(
CREATE INDEX intents_requires_action ON intents (updated_at) WHERE status = 3;
)sql"},
    // The same unresolved-attempt index, its test written as OR terms: SQLite
    // evaluates a partial index's `IN (...)` with a temporary table on every
    // insert and update of an attempt, an allocation churn per write.
    {3, R"sql(
DROP INDEX attempts_unresolved;
CREATE INDEX attempts_unresolved ON attempts (lease_expires_at)
  WHERE state = 1 OR state = 5 OR state = 6;
)sql"},
    // Manual capture and refunds: an intent's capture_method (1 automatic)
    // and cancellation_reason; an attempt's kind (1 authorization), amount
    // and reason. Rows written before keep the defaults, which are theirs.
    {4, R"sql(
ALTER TABLE intents ADD COLUMN capture_method INTEGER NOT NULL DEFAULT 1;
ALTER TABLE intents ADD COLUMN cancellation_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE attempts ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN reason TEXT NOT NULL DEFAULT '';
)sql"},
    // Authorization expiry by recovery: intents holding an uncaptured
    // authorization, in requires_capture (8).
    {5, R"sql(
CREATE INDEX intents_requires_capture ON intents (tenant, id) WHERE status = 8;
)sql"},
    // The event outbox (events.hpp): events numbered by an AUTOINCREMENT
    // rowid (never reused, also after a purge), and the consumers' cursors.
    {6, R"sql(
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  tenant TEXT NOT NULL,
  intent_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  snapshot TEXT NOT NULL
);
CREATE INDEX events_id ON events (id);
CREATE TABLE event_consumers (
  name TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql"},
};

result<void> enable_wal(transaction_runner& runner) {
  return runner.run(tx_kind::none, [](connection& conn, std::int64_t) -> result<void> {
    BOOST_OUTCOME_TRY(auto mode, conn.query_text("PRAGMA journal_mode"));
    if (mode == "wal") return outcome::success();
    // Changing the mode needs the file to itself; another opener holding it
    // answers busy (or leaves the old mode), and the runner retries.
    BOOST_OUTCOME_TRY(mode, conn.query_text("PRAGMA journal_mode = WAL"));
    if (mode != "wal") return errc::busy;
    return outcome::success();
  });
}

}  // namespace

result<void> prepare_file(transaction_runner& runner, bool read_only, int target_version) {
  if (!read_only) {
    BOOST_OUTCOME_TRY(enable_wal(runner));  // only a read, once the file is in WAL mode
  }
  // The version is read first: a current file (the common case) is opened
  // without taking the write lock, so openers do not queue behind a busy
  // writer, and a file opened through a "mode=ro" URI opens too.
  BOOST_OUTCOME_TRY(auto version, runner.run(tx_kind::read, [](connection& conn, std::int64_t) {
    return conn.query_int("PRAGMA user_version");
  }));
  if (version > target_version) return errc::not_supported;
  if (version == target_version) return outcome::success();
  if (read_only) return errc::storage_read_only;
  return runner.run(tx_kind::write, [&](connection& conn, std::int64_t) -> result<void> {
    // Another opener may have migrated since the read above.
    BOOST_OUTCOME_TRY(auto current, conn.query_int("PRAGMA user_version"));
    if (current > target_version) return errc::not_supported;
    for (const auto& m : migrations) {
      if (m.version <= current || m.version > target_version) continue;
      BOOST_OUTCOME_TRY(conn.exec(m.sql));
      // Our own constant, not caller data; PRAGMAs cannot be bound.
      const auto bump = fmt::format("PRAGMA user_version = {}", m.version);
      BOOST_OUTCOME_TRY(conn.exec(bump.c_str()));
    }
    return outcome::success();
  });
}

}  // namespace payintent::sqlite_detail
