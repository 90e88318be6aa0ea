// One libpq connection: RAII over PGconn*, its prepared statements, result
// sets, and the mapping of SQLSTATEs to payintent::errc. Private to the
// adapter.
#pragma once

#include "payintent/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
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
  // Adds every value of `more`, after these. May throw (allocation).
  params& append(params&& more);
  int size() const noexcept { return static_cast<int>(values_.size()); }
  // The values as libpq takes them (nullptr for NULL); valid until the
  // next call. May throw (allocation).
  const char* const* values() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  mutable std::vector<const char*> pointers_;
};

// The rows of one statement; copies share the PGresult, freed with the last.
class rows {
 public:
  // Takes ownership of `res`. May throw (allocation; `res` is freed then).
  explicit rows(pg_result* res);

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
  std::shared_ptr<pg_result> res_;
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
  // What one round trip answered: every statement's rows, or the first
  // failure and the rows of the statements before it.
  struct answered {
    result<std::vector<rows>> outcome;
    std::vector<rows> before_failure;
  };

  // A member's part in a staged group (staged_group.hpp). While a connection
  // follows a script, query() and pipeline() send nothing: the n-th round
  // trip a body makes is answered with `answers[n]` when the group has
  // answered it, and otherwise is kept in `waiting` and fails (the body
  // stops there, to run again once the group has sent it). The events the
  // body queues go to `events`. Only the group's leader sets it.
  struct script {
    std::vector<answered> answers;
    std::size_t asked = 0;                        // round trips made in this run
    std::optional<std::vector<batched>> waiting;  // the round trip not answered yet
    std::vector<params> events;
  };
  // Follows `s` (nullptr: talks to the server again).
  void follow(script* s) noexcept { script_ = s; }
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

  // Reads what the server has sent unasked, without waiting: false once it
  // is known to have closed the connection (an administrator's
  // pg_terminate_backend, a server shutting down). Then a statement about
  // to be sent is known never to have reached it.
  bool alive() noexcept;

  // The last failure was a serialization failure or a deadlock (40001,
  // 40P01): rolling back to a savepoint keeps the transaction's snapshot (at
  // REPEATABLE READ and SERIALIZABLE) and its other locks, so only the whole
  // transaction, run again, can succeed.
  bool needs_new_transaction() const noexcept { return conflicted_; }

  // The event rows (sql_events.hpp's values) the open write transaction
  // inserts with its COMMIT, numbered then (transaction.cpp). While the
  // connection follows a script, the script's: a staged group hands a
  // member's on only once the member has succeeded.
  std::vector<params>& unnumbered_events() noexcept {
    return script_ != nullptr ? script_->events : unnumbered_events_;
  }

 private:
  connection(pg_conn* conn, statements how) noexcept : conn_(conn), how_(how) {}
  result<rows> check(pg_result* res) noexcept;
  // pipeline() while following a script. May throw (allocation).
  result<std::vector<rows>> from_script(const std::vector<batched>& batch,
                                        std::vector<rows>* before_failure);
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
  script* script_ = nullptr;
};

}  // namespace payintent::postgres_detail
