#include "transaction.hpp"

#include "payintent/detail/crash_point.hpp"

#include <algorithm>
#include <functional>

namespace payintent::sqlite_detail {

result<std::int64_t> transaction_runner::now() noexcept {
  try {
    return clock_();
  } catch (...) {
    return errc::store_unavailable;
  }
}

void transaction_runner::run_group(std::span<member*> members) noexcept {
  for (int tries = 0;; ++tries) {
    const auto ran = run_group_once(members);
    if (ran) return;
    if (ran.error() != errc::busy || tries >= policy_.max_retries) {
      for (member* m : members) m->answer = ran.error();
      return;
    }
    adapter_detail::sleep_before_retry(tries, policy_.backoff);
  }
}

// Fails with the error that fails every member; succeeds once COMMIT
// returned. Each member's own answer is set as it runs.
result<void> transaction_runner::run_group_once(std::span<member*> members) noexcept {
  try {
    const std::lock_guard serial(write_mutex_);
    // Groups always write through the same connection, so its page cache
    // stays warm: only another process's commit invalidates it.
    if (!writer_) {
      BOOST_OUTCOME_TRY(auto lease, pool_.borrow());
      writer_.emplace(std::move(lease));
    }
    connection& conn = **writer_;
    const adapter_detail::rollback_guard guard(conn);
    BOOST_OUTCOME_TRY(conn.exec("BEGIN IMMEDIATE"));
    for (member* m : members) {
      BOOST_OUTCOME_TRY(conn.exec("SAVEPOINT member"));
      auto applied = [&]() -> result<void> {
        BOOST_OUTCOME_TRY(auto now_ms, now());
        return m->apply(conn, now_ms);
      }();
      m->answer = applied ? error_code{} : applied.error();
      if (!applied) {
        // SQLite rolls the whole transaction back by itself after some
        // errors (SQLITE_FULL, SQLITE_IOERR): the members before this one
        // are gone too, so the group fails.
        if (!conn.in_transaction()) return applied.error();
        BOOST_OUTCOME_TRY(conn.exec("ROLLBACK TO member"));
      }
      BOOST_OUTCOME_TRY(conn.exec("RELEASE member"));
      if (members.size() > 1) detail::crash_point("store.group_member_applied");
    }
    return conn.exec("COMMIT");
  } catch (...) {
    return errc::store_unavailable;
  }
}

}  // namespace payintent::sqlite_detail
