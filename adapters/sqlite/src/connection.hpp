// One SQLite connection: RAII over sqlite3*, its prepared-statement cache, and
// the mapping of SQLite result codes to payintent::errc. Private to the
// adapter.
#pragma once

#include "payintent/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace payintent::sqlite_detail {

// SQLITE_BUSY/LOCKED -> busy, FULL -> storage_full, READONLY ->
// storage_read_only, CORRUPT/NOTADB -> storage_corrupt, CONSTRAINT ->
// version_conflict (a row another writer inserted), anything else ->
// store_unavailable. SQLITE_OK must not be passed.
error_code map_sqlite_error(int rc) noexcept;

// A cached statement borrowed for one use; resets and unbinds it when
// dropped, so the next user finds it clean. Not thread-safe (nor is the
// connection it came from).
class statement {
 public:
  // `held`: the buffer the cached statement keeps for held texts (below).
  statement(sqlite3_stmt* stmt, std::string* held) noexcept : stmt_(stmt), held_(held) {}
  statement(statement&& other) noexcept;
  statement& operator=(statement&&) = delete;
  ~statement();

  // Parameters are 1-based, as in SQL. A failed bind is reported by step().
  statement& bind(int index, std::int64_t value) noexcept;
  statement& bind(int index, std::string_view text) noexcept;  // copied
  statement& bind_null(int index) noexcept;
  // Texts to bind without SQLite copying each into an allocation of its
  // own: appended to a buffer the cached statement keeps across uses (so it
  // stops allocating once grown), then bound by bind_held() as slices of it
  // once every text is in, which must happen before step().
  std::string& held_texts() noexcept { return *held_; }
  statement& bind_held(int index, std::size_t offset, std::size_t size) noexcept;

  // true: a row is available; false: done.
  result<bool> step() noexcept;
  // Steps to completion, ignoring rows (INSERT, UPDATE, DELETE).
  result<void> run() noexcept;

  // Columns are 0-based, as in SQLite's C API.
  std::int64_t int_at(int column) const noexcept;
  std::string text_at(int column) const;
  bool is_null(int column) const noexcept;

 private:
  sqlite3_stmt* stmt_;
  std::string* held_;
  int bind_rc_ = 0;
};

class connection {
 public:
  // Opens `path` (URIs allowed), read-write-create or read-only, with the
  // given busy timeout. Opening is lazy in SQLite: a file that is not a
  // database is only noticed by the first statement.
  static result<std::unique_ptr<connection>> open(const std::string& path, bool read_only,
                                                  int busy_timeout_ms) noexcept;
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // The prepared statement for `sql`, compiled once and cached. `sql` must
  // have static storage: the cache is keyed by its address.
  result<statement> prepare(const char* sql) noexcept;

  // Runs SQL text without parameters (BEGIN, COMMIT, PRAGMA, DDL).
  result<void> exec(const char* sql) noexcept;

  // Runs a statement that answers one integer (PRAGMA user_version, ...).
  result<std::int64_t> query_int(const char* sql) noexcept;
  result<std::string> query_text(const char* sql) noexcept;

  // True while a transaction is open (SQLite may end one by itself, rolling
  // it back, after SQLITE_FULL or SQLITE_IOERR).
  bool in_transaction() const noexcept;

  // For the pool: a connection to a local file does not break (an I/O error
  // fails its statements, not the connection). Always false.
  bool broken() const noexcept { return false; }

  // Rolls back the open transaction, if any. Never fails: a transaction that
  // SQLite already rolled back (after SQLITE_FULL, say) is simply gone.
  void rollback() noexcept;

  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const noexcept;
  // Rows changed by every INSERT, UPDATE and DELETE since the connection
  // opened (a statement that failed and was undone counts none).
  std::int64_t total_changes() const noexcept;

 private:
  explicit connection(sqlite3* db) noexcept : db_(db) {}
  struct cached {
    sqlite3_stmt* stmt;
    std::string held;  // the statement's held texts (statement::held_texts)
  };
  sqlite3* db_;
  std::unordered_map<const char*, cached> cache_;
};

}  // namespace payintent::sqlite_detail
