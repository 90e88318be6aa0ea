// Runs a unit of work in one SQLite transaction, retrying the whole unit on
// lock contention; the store's writes run as members of a group commit
// (write_group.hpp). Private to the adapter.
#pragma once

#include "connection_pool.hpp"
#include "retry_backoff.hpp"
#include "rollback_guard.hpp"
#include "write_group.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <type_traits>

namespace payintent::sqlite_detail {

enum class tx_kind : std::uint8_t {
  none,   // no transaction (PRAGMA journal_mode cannot run inside one)
  read,   // BEGIN: a consistent snapshot; never blocks the writer in WAL mode
  write,  // BEGIN IMMEDIATE: the write lock before the first read
};

struct retry_policy {
  int max_retries = 3;
  std::chrono::milliseconds backoff{10};
};

class transaction_runner {
 public:
  transaction_runner(connection_pool& pool, retry_policy policy, adapter_detail::group_limits group,
                     std::function<std::int64_t()> clock)
      : pool_(pool),
        policy_(policy),
        clock_(std::move(clock)),
        group_(group, [this](std::span<member*> members) { run_group(members); }) {}

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
    using out_t = std::invoke_result_t<F&, connection&, std::int64_t>;
    try {
      std::optional<typename out_t::value_type> value;
      const error_code failed =
          group_.submit([&](connection& conn, std::int64_t now_ms) -> result<void> {
            BOOST_OUTCOME_TRY(auto v, body(conn, now_ms));
            value = std::move(v);
            return outcome::success();
          });
      if (failed) return failed;
      return std::move(*value);
    } catch (...) {
      return errc::store_unavailable;
    }
  }

  // Calls body(connection&, now_ms) inside a transaction of `kind` of its own
  // (the schema migration; the store's writes use `write`) and commits
  // when it succeeds. Any failure, and any exception, rolls back. errc::busy
  // (from SQLite or from the body) retries the whole unit after a jittered
  // backoff, at most max_retries times. `now_ms` is read from the store clock
  // after the lock is taken, so writers' times follow their commit order.
  template <class F>
  auto run(tx_kind kind, F&& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    for (int tries = 0;; ++tries) {
      auto r = once(kind, body);
      if (r || r.error() != errc::busy || tries >= policy_.max_retries) return r;
      adapter_detail::sleep_before_retry(tries, policy_.backoff);
    }
  }

  // The store clock; a throwing clock answers store_unavailable.
  result<std::int64_t> now() noexcept;

 private:
  template <class F>
  auto once(tx_kind kind, F& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    // Writers of this process queue here rather than poll SQLite's lock; the
    // mutex is taken before a connection so waiting writers hold none.
    std::unique_lock serial(write_mutex_, std::defer_lock);
    if (kind == tx_kind::write) serial.lock();
    BOOST_OUTCOME_TRY(auto lease, pool_.borrow());
    connection& conn = *lease;
    const adapter_detail::rollback_guard guard(conn);
    try {
      if (kind != tx_kind::none) {
        BOOST_OUTCOME_TRY(conn.exec(kind == tx_kind::write ? "BEGIN IMMEDIATE" : "BEGIN"));
      }
      BOOST_OUTCOME_TRY(auto now_ms, now());
      auto r = body(conn, now_ms);
      if (!r) return r;
      if (kind != tx_kind::none) {
        BOOST_OUTCOME_TRY(conn.exec("COMMIT"));
      }
      return r;
    } catch (...) {
      return errc::store_unavailable;
    }
  }

  using member = adapter_detail::group_member<connection>;
  void run_group(std::span<member*> members) noexcept;
  result<void> run_group_once(std::span<member*> members) noexcept;

  connection_pool& pool_;
  const retry_policy policy_;
  const std::function<std::int64_t()> clock_;
  // Held by a transaction of `write` kind and by a group's transaction, so
  // this process's writers queue here rather than poll SQLite's lock.
  std::mutex write_mutex_;
  // The groups' connection, borrowed from the pool at the first group and
  // kept (guarded by write_mutex_).
  std::optional<connection_pool::lease> writer_;
  adapter_detail::write_group<connection> group_;
};

}  // namespace payintent::sqlite_detail
