// One libpq connection: RAII over PGconn*, its prepared statements, result
// sets, and the mapping of SQLSTATEs to payintent::errc. Private to the
// adapter.
#pragma once

#include "payintent/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace payintent::postgres_detail {

// 40001 serialization_failure, 40P01 deadlock, 55P03 lock_not_available,
// 57014 query_canceled (a statement_timeout), 53300 too_many_connections ->
// busy; 23505 unique_violation -> version_conflict (a row another writer
// inserted); 53100 disk_full -> storage_full; 25006 read_only_sql_transaction
// -> storage_read_only; XX001/XX002 -> storage_corrupt; anything else
// (class 08 connection trouble, 57P01 admin shutdown, ...) -> store_unavailable.
error_code map_sqlstate(std::string_view sqlstate) noexcept;

// Text parameters $1.. for one statement, in order. May throw (allocation).
class params {
 public:
  params& add(std::int64_t value);
  params& add(std::string_view text);
  params& add_null();
  int size() const noexcept { return static_cast<int>(values_.size()); }
  // The values as libpq takes them (nullptr for NULL); valid until the
  // next call. May throw (allocation).
  const char* const* values() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  mutable std::vector<const char*> pointers_;
};

// The rows of one statement; frees the PGresult when dropped.
class rows {
 public:
  explicit rows(pg_result* res) noexcept : res_(res) {}
  rows(rows&& other) noexcept;
  rows& operator=(rows&&) = delete;
  ~rows();

  int size() const noexcept;
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const noexcept;
  // The command tag ("COMMIT", "ROLLBACK", "INSERT 0 1", ...).
  std::string_view command() const noexcept;
  // Rows and columns are 0-based. A NULL reads as "" or 0.
  std::string text_at(int row, int column) const;
  std::int64_t int_at(int row, int column) const noexcept;
  bool is_null(int row, int column) const noexcept;

 private:
  pg_result* res_;
};

class connection {
 public:
  // How statements with parameters reach the server.
  enum class statements : std::uint8_t {
    prepared,  // named, prepared once per connection (PQprepare), then executed
    unnamed,   // sent with their text each time (PQexecParams): nothing outlives
               // the transaction, as a pooler in transaction mode requires
  };

  // Connects with `conninfo` (already holding a connect_timeout). On failure
  // `why` gets libpq's message (which never holds a password).
  static result<std::unique_ptr<connection>> open(const std::string& conninfo, statements how,
                                                  std::string* why) noexcept;
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Runs `sql` with parameters: as a prepared statement (prepared on first
  // use on this connection; `sql` must have static storage: it is keyed by
  // address), or unnamed (see `statements`).
  result<rows> query(const char* sql, const params& p) noexcept;

  // One statement of a pipeline.
  struct batched {
    const char* sql;  // static storage, as for query()
    params values;
  };
  // Sends the statements in one round trip (libpq pipeline mode) and
  // answers each one's rows, or the first failure; statements after a
  // failed one do not run, and `before_failure` (if given) gets the rows of
  // those before it. Inside a transaction, the caller rolls back (or back
  // to a savepoint) on failure.
  result<std::vector<rows>> pipeline(const std::vector<batched>& batch,
                                     std::vector<rows>* before_failure = nullptr) noexcept;

  // Queues a statement without parameters (SAVEPOINT, RELEASE) to go out in
  // front of the next query, pipeline or exec, in the same round trip; a
  // failure of it is that call's failure. `sql` must have static storage.
  // May throw (allocation).
  void defer(const char* sql) { deferred_.push_back(sql); }

  // Runs SQL text without parameters (BEGIN, COMMIT, DDL); several
  // statements separated by ';' run in one round trip and the last one's
  // rows are returned. Deferred statements go first.
  result<rows> exec(const char* sql) noexcept;

  // Rolls back an open transaction, if any, and drops deferred statements.
  // Never fails.
  void rollback() noexcept;

  // The server went away (or the socket broke): this connection is useless
  // and must not go back to the pool.
  bool broken() const noexcept;

  // The last failure was a serialization failure or a deadlock (40001,
  // 40P01): rolling back to a savepoint keeps the transaction's snapshot (at
  // REPEATABLE READ and SERIALIZABLE) and its other locks, so only the whole
  // transaction, run again, can succeed.
  bool needs_new_transaction() const noexcept { return conflicted_; }

  // The event rows (sql_events.hpp's values) the open write transaction
  // inserts just before its COMMIT, numbered then (transaction.cpp): the
  // write path queues them here, a rolled-back member takes its own back.
  std::vector<params>& unnumbered_events() noexcept { return unnumbered_events_; }

 private:
  connection(pg_conn* conn, statements how) noexcept : conn_(conn), how_(how) {}
  result<rows> check(pg_result* res) noexcept;
  // The statement name for `sql`; `fresh` tells whether it must be prepared.
  // Names are never reused, so a prepare lost in a failed batch is harmless.
  const std::string& name_for(const char* sql, std::string& fresh_name, bool& fresh);

  // Queues `b` in pipeline mode: its prepare first when `prepared_now` gets
  // a new name. False when libpq refused.
  bool send(const batched& b, std::vector<int>& answers,
            std::vector<std::pair<const char*, std::string>>& prepared_now);

  pg_conn* conn_;
  statements how_;
  std::vector<const char*> deferred_;
  std::unordered_map<const char*, std::string> prepared_;  // sql -> statement name
  std::size_t names_ = 0;
  bool poisoned_ = false;    // a batch's results could not be read in order
  bool conflicted_ = false;  // the last failure was 40001 or 40P01
  std::vector<params> unnumbered_events_;
};

}  // namespace payintent::postgres_detail
