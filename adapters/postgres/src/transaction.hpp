// Runs a unit of work in one PostgreSQL transaction, retrying the whole unit
// on serialization failures, deadlocks and lost connections. Private to the
// adapter.
#pragma once

#include "connection_pool.hpp"
#include "retry_backoff.hpp"
#include "rollback_guard.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <type_traits>

namespace payintent::postgres_detail {

enum class tx_kind : std::uint8_t {
  read,   // REPEATABLE READ READ ONLY: one snapshot for every statement
  write,  // READ COMMITTED: each statement sees the latest commits, row locks order writers
};

struct retry_policy {
  int max_retries = 5;
  std::chrono::milliseconds backoff{10};
};

class transaction_runner {
 public:
  // `clock` empty: the database clock.
  transaction_runner(connection_pool& pool, retry_policy policy,
                     std::function<std::int64_t()> clock)
      : pool_(pool), policy_(policy), clock_(std::move(clock)) {}

  // Calls body(connection&, now_ms) inside a transaction of `kind` and commits
  // when it succeeds. Any failure, and any exception, rolls back. errc::busy
  // (from the database or the body), and a connection lost before COMMIT was
  // sent, retry the whole unit after a jittered backoff, at most max_retries
  // times. `now_ms` is the store clock read inside the transaction, in the
  // same round trip as BEGIN.
  template <class F>
  auto run(tx_kind kind, F&& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    for (int tries = 0;; ++tries) {
      bool retryable = false;
      auto r = once(kind, body, retryable);
      if (r || !retryable || tries >= policy_.max_retries) return r;
      adapter_detail::sleep_before_retry(tries, policy_.backoff);
    }
  }

  // The store clock outside a transaction.
  result<std::int64_t> now() noexcept;

 private:
  template <class F>
  auto once(tx_kind kind, F& body, bool& retryable) noexcept
      -> std::invoke_result_t<F&, connection&, std::int64_t> {
    BOOST_OUTCOME_TRY(auto lease, pool_.borrow());
    connection& conn = *lease;
    const adapter_detail::rollback_guard guard(conn);
    bool commit_sent = false;
    auto failed = [&](error_code ec) {
      retryable =
          ec == errc::busy || (ec == errc::store_unavailable && conn.broken() && !commit_sent);
      return ec;
    };
    try {
      auto now_ms = begin(conn, kind);
      if (!now_ms) return failed(now_ms.error());
      auto r = body(conn, now_ms.value());
      if (!r) return failed(r.error());
      commit_sent = true;
      if (auto c = conn.exec("COMMIT"); !c) return failed(c.error());
      return r;
    } catch (...) {
      return errc::store_unavailable;
    }
  }

  // BEGIN, and the clock in the same round trip.
  result<std::int64_t> begin(connection& conn, tx_kind kind) noexcept;

  connection_pool& pool_;
  const retry_policy policy_;
  const std::function<std::int64_t()> clock_;
};

}  // namespace payintent::postgres_detail
