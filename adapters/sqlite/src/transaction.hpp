// Runs a unit of work in one SQLite transaction, retrying the whole unit on
// lock contention. Private to the adapter.
#pragma once

#include "connection_pool.hpp"
#include "retry_backoff.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
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
  transaction_runner(connection_pool& pool, retry_policy policy,
                     std::function<std::int64_t()> clock)
      : pool_(pool), policy_(policy), clock_(std::move(clock)) {}

  // Calls body(connection&, now_ms) inside a transaction of `kind` and commits
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
    struct rollback_guard {  // a no-op after COMMIT
      connection& conn;
      ~rollback_guard() { conn.rollback(); }
    } guard{conn};
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

  connection_pool& pool_;
  const retry_policy policy_;
  const std::function<std::int64_t()> clock_;
  std::mutex write_mutex_;
};

}  // namespace payintent::sqlite_detail
