// Runs a unit of work in one SQLite transaction, retrying the whole unit on
// lock contention; the store's writes run as members of a group commit
// (write_group.hpp). Private to the adapter.
#pragma once

#include "configured_connection.hpp"
#include "single_transaction.hpp"
#include "write_group.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <type_traits>

namespace payintent::sqlite_detail {

enum class tx_kind : std::uint8_t {
  none,   // no transaction (PRAGMA journal_mode cannot run inside one)
  read,   // BEGIN: a consistent snapshot; never blocks the writer in WAL mode
  write,  // BEGIN IMMEDIATE: the write lock before the first read
};

class transaction_runner {
 public:
  transaction_runner(connection_pool& pool, adapter_detail::retry_policy policy,
                     adapter_detail::group_limits group, std::function<std::int64_t()> clock)
      : pool_(pool),
        policy_(policy),
        clock_(std::move(clock)),
        group_(group,
               [this](std::span<member*> members, std::size_t lane) { run_group(members, lane); }) {
  }

  // Calls body(connection&, now_ms) as one member of a group commit: inside
  // its own savepoint of a BEGIN IMMEDIATE transaction shared with the writes
  // queued beside it. Answers body's value once the group's COMMIT returned;
  // body's own error if it failed (only its savepoint is rolled back); or the
  // error that failed the whole group (BEGIN, COMMIT, a transaction SQLite
  // abandoned), in which case nothing of it was written. errc::busy taking
  // the lock retries the whole group, at most max_retries times. `now_ms` is
  // read after the lock is taken, so writers' times follow commit order.
  template <class F>
  auto write(F&& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    return group_.write(std::forward<F>(body));
  }

  // Calls body(connection&, now_ms) inside a transaction of `kind` of its own
  // (reads, the schema migration; the store's writes use `write`) and
  // commits when it succeeds. Any failure, and any exception, rolls back.
  // errc::busy (from SQLite or from the body) retries the whole unit after a
  // jittered backoff, at most max_retries times. `now_ms` is read from the
  // store clock after the lock is taken, so writers' times follow their
  // commit order.
  template <class F>
  auto run(tx_kind kind, F&& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    transaction_dialect dialect{*this};
    return adapter_detail::run_transaction(dialect, kind, policy_, std::forward<F>(body));
  }

  // The store clock; a throwing clock answers store_unavailable.
  result<std::int64_t> now() noexcept;

 private:
  // adapter_detail::run_transaction's dialect: SQLite's statements.
  struct transaction_dialect {
    using connection = sqlite_detail::connection;
    transaction_runner& runner;

    // A pooled connection; for a transaction of `write` kind, after this
    // process's write lock (writers queue there rather than poll SQLite's
    // lock, and hold no connection while they wait).
    struct lease {
      std::unique_lock<std::mutex> serial;
      connection_pool::lease conn;
      connection& operator*() const noexcept { return *conn; }
    };
    result<lease> borrow(tx_kind kind) noexcept;
    result<std::int64_t> begin(connection& conn, tx_kind kind) noexcept;
    static result<void> commit(connection& conn, tx_kind kind) noexcept;
    static bool retryable(const connection&, error_code ec, bool) noexcept {
      return ec == errc::busy;
    }
  };

  using member = adapter_detail::group_member<connection>;
  // Runs a group as adapter_detail::group_transaction with SQLite's
  // statements (group_dialect, in the .cpp).
  void run_group(std::span<member*> members, std::size_t lane) noexcept;
  friend struct group_dialect;

  connection_pool& pool_;
  const adapter_detail::retry_policy policy_;
  const std::function<std::int64_t()> clock_;
  // Held by a transaction of `write` kind and by a group's transaction, so
  // this process's writers queue here rather than poll SQLite's lock.
  std::mutex write_mutex_;
  // The groups' own connection, opened at the first group and kept
  // (guarded by write_mutex_).
  std::unique_ptr<connection> writer_;
  adapter_detail::write_group<connection> group_;
};

}  // namespace payintent::sqlite_detail
