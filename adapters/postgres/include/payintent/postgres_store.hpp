// payintent — the PostgreSQL store (target payintent::postgres).
//
// A durable idempotency_store in one PostgreSQL database, shared by any number
// of app servers: a charge in flight on several servers at once is
// arbitrated by the database, not by a host. It honours the whole store
// contract (idempotency_store.hpp) across threads, processes and servers:
//  - Every write is one transaction at the session's default isolation: READ
//    COMMITTED unless the server, the role or the conninfo sets
//    default_transaction_isolation (REPEATABLE READ and SERIALIZABLE work too,
//    their conflicts being retried as below). A claim reads its key
//    and, if there is none, inserts it with its write's rows: of two servers
//    claiming one key, the second's INSERT waits on the first's uncommitted
//    row, then fails on the primary key, undoing its rows, and the claim reads
//    the first's key (replay or mismatch). Every write to an intent locks the intent's row
//    (SELECT ... FOR UPDATE) before it checks version, fence, attempt number
//    and lease, so two servers can never both pass one compare-and-set, and
//    the intent's attempts and audit chain change only under that lock. A new
//    intent or attempt is a plain INSERT: a concurrent twin fails on the
//    primary key and the loser answers version_conflict.
//  - Times are the database's clock (clock_timestamp(), read in the
//    transaction), so leases agree between servers whatever their own clocks.
//  - Serialization failures and deadlocks (40001, 40P01) run the whole
//    transaction again (with its whole write group: a new snapshot, none of
//    the old locks); lock and statement timeouts and "too many connections"
//    retry the failed write; both with jittered backoff, and when the retries
//    run out the call answers errc::busy. Reads are one REPEATABLE READ READ
//    ONLY transaction each.
//  - A lost connection is dropped and reopened: a call whose transaction
//    failed before COMMIT was sent is retried on a fresh connection; one that
//    loses the connection during COMMIT answers store_unavailable (the commit
//    may or may not have happened: a retry of a claim then replays it). While
//    the database is unreachable every call answers errc::store_unavailable,
//    which is retryable; nothing is cached in the process, so the first call
//    after the database is back sees exactly what it holds.
//  - Any failure rolls the transaction back: nothing is ever half-written.
//    disk full (53100) answers storage_full, read-only transactions (25006)
//    storage_read_only, data corruption (XX001, XX002) storage_corrupt.
//  - All SQL with values is statements with bound parameters (named and
//    prepared once per connection, or unnamed: `prepared_statements`); keys
//    and metadata are data, never query text.
//  - No session state: nothing is SET, the migration's advisory lock is
//    transaction-scoped, and a transaction never spans two calls. With
//    prepared_statements off the store runs behind a pooler in transaction
//    mode (PgBouncer's pool_mode = transaction); such a pooler passes no
//    `options` from the conninfo, so a schema is chosen by `ALTER ROLE ... SET
//    search_path` there.
//
// Group commit: the writes (claim, commit, purge_expired_keys) that queue in
// one process while a transaction is committing share the next transaction,
// on one connection, as on the SQLite store: one whose preconditions fail or
// that errors is rolled back alone (to its savepoint) and gets its own
// answer; a deadlock victim reruns its group; no write is answered before
// the group's COMMIT returned; a failed BEGIN or COMMIT or a lost connection
// fails every write of the group (a lost connection before COMMIT was sent
// runs the group again). The writes of a group run side by side: each round
// trip (one libpq pipeline) carries the next statements of every write, so a
// group costs four round trips however many writes it carries: BEGIN with
// the clock; the keys, row locks and every read the checks need; the rows
// (key, intent, attempt, audit entries) of every write whose checks passed;
// the events with the COMMIT. Two writes of one group on the same intent or
// key run one after the other, the second reading what the first wrote.
// Groups of different servers lock rows in their members' order, so two may
// deadlock on the same intents: PostgreSQL breaks that after its
// deadlock_timeout and the victim's group runs again.
//
// Schema: `open` applies missing migrations under a transaction-scoped
// advisory lock, so servers opening at the same moment apply each once.
// Migrations are additive (new tables, columns with defaults, indexes), so an
// older server keeps working against a newer schema: each applied migration
// records the oldest schema version whose code can still use the database
// (`compatible_from`), and a server refuses (errc::not_supported) only a
// database that an additive migration could not describe. Tables live in the
// first schema of the connection's search_path (conninfo
// "options='-csearch_path=payments'" picks one). See docs/postgres.md for the
// tables, the isolation this relies on, and what a wire-compatible database
// must provide.
//
// Thread-safe: one postgres_store may be shared by any number of threads.
// Each read borrows one connection from a pool; reads beyond the pool's size
// wait for a connection.
#pragma once

#include "payintent/idempotency_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace payintent {

struct postgres_store_options {
  // A libpq connection string, "host=db1 port=5432 dbname=pay user=app" or a
  // "postgresql://" URI. Default: none; open() answers invalid_argument when
  // empty. A connect_timeout in it bounds how long a call waits for an
  // unreachable server; without one the store uses `connect_timeout`. With
  // a standby: every node, "host=db1,db2 port=5432,5432 ...
  // target_session_attrs=read-write"; each new connection goes to the node
  // that accepts writes, so after a failover the store finds the promoted
  // node by itself (calls answer store_unavailable until there is one).
  std::string conninfo;

  // How long opening one connection may take before the call answers
  // store_unavailable. Default: 5 s (whole seconds; at least 2, as libpq
  // rounds up to that).
  std::chrono::seconds connect_timeout{5};

  // Further tries of a whole transaction after a serialization failure,
  // deadlock, lock timeout or lost connection, each after a jittered backoff
  // (uniform in [base, 2 * base] times 2^try, capped at 1 s). After the last
  // one the call answers errc::busy (or store_unavailable for a connection
  // that cannot be reopened). Default: 5 retries, base 10 ms.
  int max_retries = 5;
  std::chrono::milliseconds retry_backoff{10};

  // Group commit: the most writes one transaction carries. Each of a
  // write's two round trips is a subtransaction (its savepoint), and
  // PostgreSQL tracks at most 64 of those per transaction in shared memory
  // (past that, every other session's snapshot consults pg_subtrans), so
  // values above 32 are treated as 32. 1 turns grouping off (each write
  // commits alone). Default: 32. Values below 1 are treated as 1.
  std::size_t max_group_size = 32;

  // Group commit: how long a group's first write waits for company before
  // its transaction starts, and only while the store is busy (the previous
  // group carried more than one write); a write on an idle store never
  // waits. Default: 0 (groups form from the writes that queued during the
  // previous commit).
  std::chrono::microseconds max_group_wait{0};

  // Group commit: how many groups commit at once, each on a connection of
  // its own. A group waits on four round trips, so a second lane keeps the
  // database busy while the first waits on the network. Default: 2. Values
  // below 1 are treated as 1.
  std::size_t group_lanes = 2;

  // Connections kept open for reads (and the schema migration); concurrent
  // reads beyond this wait for one. The write groups use `group_lanes` more
  // connections of their own. Default: 4. Values below 1 are treated as 1.
  std::size_t pool_size = 4;

  // Named prepared statements, prepared once per connection. false: every
  // statement is sent with its text as the unnamed statement (one more parse
  // per statement on the server), which a pooler in transaction mode needs
  // when it does not carry prepared statements from one server connection to
  // another (PgBouncer before 1.21: "prepared statement ... does not exist").
  // Default: true.
  bool prepared_statements = true;

  // Replaces the database clock (ms since the Unix epoch; thread-safe). For
  // tests that move time by hand (the conformance suite); every server
  // sharing the database must then share this clock. Default: none, the
  // database's clock_timestamp().
  std::function<std::int64_t()> clock;
};

class postgres_store : public idempotency_store {
 public:
  // The schema version this build writes (table payintent_schema).
  static constexpr int schema_version = 5;

  // Connects, then migrates the schema. Errors: invalid_argument (empty or
  // malformed conninfo), store_unavailable (cannot connect or authenticate),
  // not_supported (a schema this build cannot use), busy, storage_read_only
  // (a hot standby). Never throws.
  static result<std::unique_ptr<postgres_store>> open(postgres_store_options options,
                                                      diagnostics* diag = nullptr);

  ~postgres_store() override = default;

  // Every operation is idempotency_store's, with the guarantees above; now_ms() is the database
  // clock (or the injected one).

 protected:
  postgres_store() = default;  // open() makes the one implementation
};

}  // namespace payintent
