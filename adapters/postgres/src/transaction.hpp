// Runs a unit of work in one PostgreSQL transaction, retrying the whole unit
// on serialization failures, deadlocks and lost connections; the store's
// writes run as members of a group commit (write_group.hpp). Private to the
// adapter.
#pragma once

#include "connection.hpp"
#include "connection_pool.hpp"
#include "single_transaction.hpp"
#include "write_group.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

namespace payintent::postgres_detail {

using connection_pool = adapter_detail::connection_pool<connection>;

enum class tx_kind : std::uint8_t {
  read,   // REPEATABLE READ READ ONLY: one snapshot for every statement
  write,  // READ COMMITTED: each statement sees the latest commits, row locks order writers
};

class transaction_runner {
 public:
  // `clock` empty: the database clock.
  transaction_runner(connection_pool& pool, adapter_detail::retry_policy policy,
                     adapter_detail::group_limits group, std::function<std::int64_t()> clock)
      : pool_(pool),
        policy_(policy),
        clock_(std::move(clock)),
        writers_(std::max<std::size_t>(group.lanes, 1)),
        group_(group,
               [this](std::span<member*> members, std::size_t lane) { run_group(members, lane); }) {
  }

  // Calls body(connection&, now_ms) as one member of a group commit: inside
  // its own savepoint of a READ COMMITTED transaction shared with the writes
  // queued beside it, on the groups' own connection. Answers body's value
  // once the group's COMMIT returned; body's own error if it failed (only
  // its savepoint is rolled back; errc::busy reruns it in place, at most
  // max_retries times); or the error that failed the whole group (BEGIN,
  // COMMIT, a lost connection), in which case nothing of it was written or,
  // for a COMMIT whose answer was lost, nobody knows. A connection lost
  // before COMMIT was sent runs the group again. `now_ms` is the store clock
  // read with BEGIN (or the injected clock, read per member).
  template <class F>
  auto write(F&& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    return group_.write(std::forward<F>(body));
  }

  // Calls body(connection&, now_ms) inside a transaction of `kind` of its
  // own, on a pooled connection (reads, and the schema migration; the
  // store's writes use `write`), and commits when it succeeds. Any failure,
  // and any exception, rolls back. errc::busy (from the database or the
  // body), and a connection lost before COMMIT was sent, retry the whole
  // unit after a jittered backoff, at most max_retries times. `now_ms` is
  // the store clock read inside the transaction, in the same round trip as
  // BEGIN.
  template <class F>
  auto run(tx_kind kind, F&& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    transaction_dialect dialect{*this};
    return adapter_detail::run_transaction(dialect, kind, policy_, std::forward<F>(body));
  }

  // The store clock outside a transaction.
  result<std::int64_t> now() noexcept;

  // Worth running a transaction again after `ec`?
  static bool retryable(const connection& conn, error_code ec, bool commit_sent) noexcept {
    return ec == errc::busy || (ec == errc::store_unavailable && conn.broken() && !commit_sent);
  }

 private:
  // adapter_detail::run_transaction's dialect: PostgreSQL's statements.
  struct transaction_dialect {
    using connection = postgres_detail::connection;
    transaction_runner& runner;

    result<connection_pool::lease> borrow(tx_kind) noexcept { return runner.pool_.borrow(); }
    result<std::int64_t> begin(connection& conn, tx_kind kind) noexcept {
      return runner.begin(conn, kind);
    }
    static result<void> commit(connection& conn, tx_kind) noexcept {
      return transaction_runner::commit(conn);
    }
    static bool retryable(const connection& conn, error_code ec, bool commit_sent) noexcept {
      return transaction_runner::retryable(conn, ec, commit_sent);
    }
  };

  // BEGIN, and the clock in the same round trip.
  result<std::int64_t> begin(connection& conn, tx_kind kind) noexcept;
  // COMMIT, and a check that it committed.
  static result<void> commit(connection& conn) noexcept;

  using member = adapter_detail::group_member<connection>;
  // Runs a group as adapter_detail::group_transaction with PostgreSQL's
  // statements (group_dialect, in the .cpp).
  void run_group(std::span<member*> members, std::size_t lane) noexcept;
  friend struct group_dialect;

  connection_pool& pool_;
  const adapter_detail::retry_policy policy_;
  const std::function<std::int64_t()> clock_;
  // Each lane's own connection, opened at its first group, kept, and
  // replaced once broken. Only the lane's group leader touches it.
  std::vector<std::unique_ptr<connection>> writers_;
  adapter_detail::write_group<connection> group_;
};

}  // namespace payintent::postgres_detail
