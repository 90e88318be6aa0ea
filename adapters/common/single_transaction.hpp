// One unit of work in a transaction of its own, on a pooled connection, for
// both SQL stores (their reads and schema migrations; their writes go
// through group_transaction.hpp): begin, the body, commit. Any failure or
// exception rolls back; the whole unit runs again while the dialect calls
// the failure retryable, after a jittered backoff, at most max_retries
// times. Private to the adapters (header-only, not installed).
#pragma once

#include "payintent/error.hpp"
#include "retry_backoff.hpp"
#include "rollback_guard.hpp"

#include <cstdint>
#include <type_traits>

namespace payintent::adapter_detail {

// The store's side, for a transaction of kind Kind. Every call is noexcept.
//   using connection = ...;
//   result<L> borrow(Kind)                 a connection for one transaction,
//                                          and whatever must be held with it;
//                                          *l is the connection
//   result<std::int64_t> begin(connection&, Kind)
//                                          opens the transaction; answers the
//                                          store clock, read inside it
//   result<void> commit(connection&, Kind)
//   bool retryable(const connection&, error_code, bool commit_sent)
template <class Dialect, class Kind, class F>
auto run_transaction(Dialect& dialect, Kind kind, const retry_policy& policy, F&& body) noexcept
    -> std::invoke_result_t<F&, typename Dialect::connection&, std::int64_t> {
  using connection = typename Dialect::connection;
  using out_t = std::invoke_result_t<F&, connection&, std::int64_t>;
  for (int tries = 0;; ++tries) {
    bool retry = false;
    auto r = [&]() noexcept -> out_t {
      BOOST_OUTCOME_TRY(auto lease, dialect.borrow(kind));
      connection& conn = *lease;
      const rollback_guard guard(conn);
      bool commit_sent = false;
      auto failed = [&](error_code ec) {
        retry = dialect.retryable(conn, ec, commit_sent);
        return ec;
      };
      try {
        auto now_ms = dialect.begin(conn, kind);
        if (!now_ms) return failed(now_ms.error());
        auto out = body(conn, now_ms.value());
        if (!out) return failed(out.error());
        commit_sent = true;
        if (auto c = dialect.commit(conn, kind); !c) return failed(c.error());
        return out;
      } catch (...) {
        return errc::store_unavailable;
      }
    }();
    if (r || !retry || tries >= policy.max_retries) return r;
    sleep_before_retry(tries, policy.backoff);
  }
}

}  // namespace payintent::adapter_detail
