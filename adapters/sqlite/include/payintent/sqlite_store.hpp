// payintent — the SQLite store (target payintent::sqlite).
//
// A durable idempotency_store in one SQLite file. It honours the whole store
// contract (idempotency_store.hpp) across threads AND across processes that
// open the same file on one host:
//  - The file is in WAL mode: readers never block the writer, and a commit is
//    one append to the write-ahead log.
//  - Every write runs in BEGIN IMMEDIATE, so a transaction takes the write lock
//    before it reads what it checks: two processes can never both pass the
//    same compare-and-set.
//  - Lock waits use SQLite's busy timeout, then a few retries with jittered
//    backoff; when those run out the call answers errc::busy having written
//    nothing (a retry may succeed).
//  - Any failure rolls the transaction back: nothing is ever half-written.
//    SQLITE_FULL answers storage_full, SQLITE_READONLY storage_read_only,
//    SQLITE_CORRUPT/SQLITE_NOTADB storage_corrupt, SQLITE_CANTOPEN/SQLITE_IOERR
//    (and other environment trouble) store_unavailable.
//  - All SQL is prepared statements with bound parameters, cached per
//    connection; keys and metadata are data, never query text.
//
// Do not put the file on a network file system: SQLite's locking (and so
// exactly-once) relies on the local file system's byte-range locks and on
// shared memory for the WAL index. Several servers need the PostgreSQL store.
//
// Schema: versioned by PRAGMA user_version. `open` applies missing migrations
// (forward-only and additive) inside BEGIN IMMEDIATE, so processes that open a
// new file at the same moment do not race. A file written by a newer payintent
// (user_version above `sqlite_store::schema_version`) is refused with
// errc::not_supported rather than misread.
//
// Storage layout (stable; safe to query read-only from the sqlite3 shell):
// tables intents, attempts, idempotency_keys and audit, each keyed by tenant
// first; the event outbox in events (keyed by sequence, its snapshot a JSON
// array of the intent's and attempt's column values) and event_consumers. Enumerations are stored as their persisted integer values; money as
// integer minor units plus the ISO 4217 code; metadata as a JSON object of
// strings (e.g. `{"order":"A-17"}`), so `json_extract` works on it.
//
// Thread-safe: one sqlite_store may be shared by any number of threads. Each
// call borrows one connection from a small pool.
//
// Group commit: the writes (claim, commit, purge_expired_keys) that queue in
// one process while a transaction is committing share the next transaction,
// so N concurrent writes cost one lock hand-off and one fsync, not N. A
// write whose preconditions fail (mismatch, version_conflict, fenced_out) or
// that errors is rolled back alone and gets its own answer, and the others
// commit. No write is answered before the
// group's COMMIT has returned (durable under sqlite_synchronous::full); a
// failed BEGIN or COMMIT fails every write of the group, none of it written.
// Writers of other processes on the same file are unaffected: they take
// SQLite's write lock in turn with this process's groups.
#pragma once

#include "payintent/idempotency_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace payintent {

// How hard a commit pushes data to the disk (PRAGMA synchronous).
enum class sqlite_synchronous : std::uint8_t {
  // Every commit is fsynced before it returns: a committed claim or attempt
  // survives a power loss or OS crash. The right choice for money.
  full = 1,
  // Commits are fsynced only at WAL checkpoints: still safe against a crash of
  // the process, but a power loss or OS crash may roll back the most recent
  // commits (never corrupting the file). A rolled-back attempt(init) can then
  // be lost after its authorization was sent, so use only where the card
  // network dedupes by reference or the host has a battery-backed disk.
  normal = 2,
};

struct sqlite_store_options {
  // The database file; created when missing. A URI ("file:/path?mode=ro") is
  // accepted too. Default: none; open() answers invalid_argument when empty.
  std::string path;

  // Default: sqlite_synchronous::full.
  sqlite_synchronous synchronous = sqlite_synchronous::full;

  // How long one statement waits for another connection's lock (SQLite's
  // busy timeout), per try. Default: 5 s.
  std::chrono::milliseconds busy_timeout{5000};

  // Further tries of a whole transaction after the busy timeout ran out,
  // each after a jittered backoff (uniform in [base, 2 * base] times 2^try,
  // capped at 1 s). After the last one the call answers errc::busy.
  // Default: 3 retries, base 10 ms.
  int max_retries = 3;
  std::chrono::milliseconds retry_backoff{10};

  // Group commit: the most writes one transaction carries. 1 turns grouping
  // off (each write commits alone). Default: 64. Values below 1 are treated
  // as 1.
  std::size_t max_group_size = 64;

  // Group commit: how long a group's first write waits for company before
  // its transaction starts, and only while the store is busy (the previous
  // group carried more than one write); a write on an idle store never waits.
  // Default: 0 (groups form from the writes that queued during the previous
  // commit, which under load is most of them).
  std::chrono::microseconds max_group_wait{0};

  // Connections kept open for reads; concurrent reads beyond this wait for
  // one. The write groups use one more connection of their own. Default: 4.
  // Values below 1 are treated as 1.
  std::size_t pool_size = 4;

  // Opens every connection read-only (SQLITE_OPEN_READONLY): loads work,
  // every write answers storage_read_only. For inspection tools and replicas.
  // The file must already hold the current schema. Default: false.
  bool read_only = false;

  // Caps the file at this many pages (PRAGMA max_page_count, per
  // connection); a write that needs more answers storage_full and writes
  // nothing. For quotas, and to test disk-full handling. Default: 0 (no cap
  // beyond SQLite's own).
  std::int64_t max_page_count = 0;

  // The store clock in ms since the Unix epoch; must be thread-safe.
  // Default: the system clock. Every process sharing the file shares the
  // host's clock, so leases agree between them. Tests inject a manual clock.
  std::function<std::int64_t()> clock;
};

class sqlite_store : public idempotency_store {
 public:
  // The schema version this build writes (PRAGMA user_version).
  static constexpr int schema_version = 6;

  // Opens (creating if needed) the file, switches it to WAL, and migrates the
  // schema. Errors: invalid_argument (empty path), storage_corrupt (not a
  // database, or damaged), storage_read_only (cannot migrate a read-only
  // file), not_supported (a newer schema), busy, store_unavailable (cannot
  // open the file). Never throws.
  static result<std::unique_ptr<sqlite_store>> open(sqlite_store_options options);

  ~sqlite_store() override = default;

  // Every operation is idempotency_store's, with the guarantees above.

 protected:
  sqlite_store() = default;  // open() makes the one implementation
};

}  // namespace payintent
