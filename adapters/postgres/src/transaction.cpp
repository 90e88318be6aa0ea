#include "transaction.hpp"

#include "group_transaction.hpp"

#include <functional>

namespace payintent::postgres_detail {
namespace {

// Milliseconds since the Unix epoch by the database's clock. clock_timestamp()
// (not now(), which is frozen at BEGIN) so a lease check late in a long
// transaction is not fooled.
#define PAYINTENT_PG_CLOCK_SQL "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

}  // namespace

result<std::int64_t> transactions::now() noexcept {
  try {
    if (clock_) return clock_();
    BOOST_OUTCOME_TRY(auto lease, pool_.borrow());
    BOOST_OUTCOME_TRY(auto r, lease->exec(PAYINTENT_PG_CLOCK_SQL));
    if (r.size() != 1) return errc::store_unavailable;
    return r.int_at(0, 0);
  } catch (...) {
    return errc::store_unavailable;
  }
}

result<std::int64_t> transactions::begin(connection& conn, tx_kind kind) noexcept {
  if (clock_) {
    BOOST_OUTCOME_TRY(conn.exec(
        kind == tx_kind::write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    try {
      return clock_();
    } catch (...) {
      return errc::store_unavailable;
    }
  }
  BOOST_OUTCOME_TRY(
      auto r,
      conn.exec(kind == tx_kind::write
                    ? "BEGIN; " PAYINTENT_PG_CLOCK_SQL
                    : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " PAYINTENT_PG_CLOCK_SQL));
  if (r.size() != 1) return errc::store_unavailable;
  return r.int_at(0, 0);
}

// COMMIT of a transaction that an error aborted answers success with the tag
// ROLLBACK: that is a failure here.
result<void> transactions::commit(connection& conn, tx_kind) noexcept {
  BOOST_OUTCOME_TRY(auto r, conn.exec("COMMIT"));
  if (r.command() != "COMMIT") return errc::store_unavailable;
  return outcome::success();
}

// PostgreSQL's side of a group transaction
// (adapters/common/group_transaction.hpp). Savepoint statements are deferred:
// they ride in front of the member's next round trip, so a member costs its
// own two round trips and nothing more.
struct group_dialect {
  using connection = postgres_detail::connection;
  transactions& owner;
  std::unique_ptr<connection>& lane_connection;  // the group's lane's
  std::int64_t begun_at_ms = 0;

  result<connection*> writer() noexcept {
    if (!lane_connection || lane_connection->broken()) {
      lane_connection.reset();
      BOOST_OUTCOME_TRY(lane_connection, owner.pool_.open());
    }
    return lane_connection.get();
  }
  result<void> begin(connection& conn) noexcept {
    BOOST_OUTCOME_TRY(begun_at_ms, owner.begin(conn, tx_kind::write));
    return outcome::success();
  }
  // The database clock as read with BEGIN: the members of a group commit
  // together, so one time serves them all. An injected clock is read per
  // member.
  result<std::int64_t> now(connection&) noexcept {
    if (!owner.clock_) return begun_at_ms;
    return owner.now();
  }
  static result<void> savepoint(connection& conn) noexcept {
    return defer(conn, "SAVEPOINT member");
  }
  static result<void> release(connection& conn) noexcept {
    return defer(conn, "RELEASE SAVEPOINT member");
  }
  // Also valid in a transaction an error aborted.
  static result<void> rollback_to_savepoint(connection& conn) noexcept {
    return defer(conn, "ROLLBACK TO SAVEPOINT member");
  }
  static result<void> commit(connection& conn) noexcept { return transactions::commit(conn); }
  // A serialization failure or deadlock reruns the whole group: a new
  // transaction takes a new snapshot and holds none of the old locks.
  static bool transaction_lost(connection& conn) noexcept {
    return conn.broken() || conn.needs_new_transaction();
  }
  static bool retry_group(connection& conn, error_code ec, bool commit_sent) noexcept {
    return transactions::retryable(conn, ec, commit_sent);
  }

 private:
  static result<void> defer(connection& conn, const char* sql) noexcept {
    try {
      conn.defer(sql);
      return outcome::success();
    } catch (...) {
      return errc::store_unavailable;
    }
  }
};

void transactions::run_group(std::span<adapter_detail::group_member<connection>*> members,
                             std::size_t lane,
                             const adapter_detail::retry_policy& policy) noexcept {
  group_dialect dialect{*this, writers_[lane]};
  adapter_detail::group_transaction<group_dialect>(dialect, policy).run(members);
}

}  // namespace payintent::postgres_detail
