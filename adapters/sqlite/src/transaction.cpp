#include "transaction.hpp"

#include "group_transaction.hpp"

#include <functional>

namespace payintent::sqlite_detail {

result<std::int64_t> transactions::now() noexcept {
  try {
    return clock_();
  } catch (...) {
    return errc::store_unavailable;
  }
}

result<transactions::lease> transactions::borrow(tx_kind kind) noexcept {
  std::unique_lock serial(write_mutex_, std::defer_lock);
  if (kind == tx_kind::write) serial.lock();
  BOOST_OUTCOME_TRY(auto conn, pool_.borrow());
  return lease{std::move(serial), std::move(conn)};
}

result<std::int64_t> transactions::begin(connection& conn, tx_kind kind) noexcept {
  if (kind != tx_kind::none) {
    BOOST_OUTCOME_TRY(conn.exec(kind == tx_kind::write ? "BEGIN IMMEDIATE" : "BEGIN"));
  }
  return now();
}

result<void> transactions::commit(connection& conn, tx_kind kind) noexcept {
  if (kind == tx_kind::none) return outcome::success();
  return conn.exec("COMMIT");
}

// SQLite's side of a group transaction (adapters/common/group_transaction.hpp).
struct group_dialect {
  using connection = sqlite_detail::connection;
  transactions& owner;

  // Groups always write through the same connection, so its page cache
  // stays warm: only another process's commit invalidates it.
  result<connection*> writer() noexcept {
    if (!owner.writer_) {
      BOOST_OUTCOME_TRY(owner.writer_, owner.pool_.open());
    }
    return owner.writer_.get();
  }
  // IMMEDIATE: the write lock first, so no member's read can go stale.
  static result<void> begin(connection& conn) noexcept { return run(conn, "BEGIN IMMEDIATE"); }
  // Read per member, after the lock: writers' times follow commit order.
  result<std::int64_t> now(connection&) noexcept { return owner.now(); }
  static result<void> savepoint(connection& conn) noexcept { return run(conn, "SAVEPOINT member"); }
  static result<void> release(connection& conn) noexcept { return run(conn, "RELEASE member"); }
  static result<void> rollback_to_savepoint(connection& conn) noexcept {
    return run(conn, "ROLLBACK TO member");
  }
  static result<void> commit(connection& conn) noexcept { return run(conn, "COMMIT"); }
  // Members run without savepoints while none fails after writing: a
  // savepoint copies every page its member touches.
  static std::int64_t changes(connection& conn) noexcept { return conn.total_changes(); }
  // SQLite rolls the whole transaction back by itself after some errors
  // (SQLITE_FULL, SQLITE_IOERR): the members before are gone too.
  static bool transaction_lost(connection& conn) noexcept { return !conn.in_transaction(); }
  // Another process holds the write lock past the busy timeout; nothing of
  // the group was written, whatever statement answered it.
  static bool retry_group(connection&, error_code ec, bool) noexcept { return ec == errc::busy; }

 private:
  // A statement run once per member or group: prepared once per connection,
  // not parsed every time as exec() would.
  static result<void> run(connection& conn, const char* sql) noexcept {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(sql));
    return stmt.run();
  }
};

void transactions::run_group(std::span<adapter_detail::group_member<connection>*> members,
                             std::size_t, const adapter_detail::retry_policy& policy) noexcept {
  // The lock also orders groups after a transaction of `write` kind.
  const std::lock_guard serial(write_mutex_);
  group_dialect dialect{*this};
  adapter_detail::group_transaction<group_dialect>(dialect, policy).run(members);
}

}  // namespace payintent::sqlite_detail
