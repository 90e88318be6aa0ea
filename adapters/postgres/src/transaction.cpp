#include "transaction.hpp"

#include "group_transaction.hpp"

#include <functional>

namespace payintent::postgres_detail {
namespace {

// Milliseconds since the Unix epoch by the database's clock. clock_timestamp()
// (not now(), which is frozen at BEGIN) so a lease check late in a long
// transaction is not fooled.
#define PAYINTENT_PG_CLOCK_SQL "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

// The event outbox's numbering (docs/postgres.md, "Events"): a group
// transaction inserts its events last, numbered from a sequence while it
// holds this transaction-scoped advisory lock, which it keeps until its
// COMMIT has made it visible. The next group's numbers are taken only after
// that, so numbers are handed out in commit order and a reader that has seen
// number N never finds a smaller one committed later. The constant is any
// that every payintent build shares (the schema lock's + 1).
constexpr const char* lock_event_numbers_sql = "SELECT pg_advisory_xact_lock(7216602)";
constexpr const char* insert_numbered_event_sql =
    "INSERT INTO events (sequence, id, type, tenant, intent_id, created_at, snapshot) "
    "VALUES (nextval('event_numbers'), $1, $2, $3, $4, $5, $6)";

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
  std::size_t events_at_savepoint = 0;  // unnumbered events before the member

  result<connection*> writer() noexcept {
    if (!lane_connection || lane_connection->broken()) {
      lane_connection.reset();
      BOOST_OUTCOME_TRY(lane_connection, owner.pool_.open());
    }
    return lane_connection.get();
  }
  result<void> begin(connection& conn) noexcept {
    conn.unnumbered_events().clear();
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
  result<void> savepoint(connection& conn) noexcept {
    events_at_savepoint = conn.unnumbered_events().size();
    return defer(conn, "SAVEPOINT member");
  }
  static result<void> release(connection& conn) noexcept {
    return defer(conn, "RELEASE SAVEPOINT member");
  }
  // Also valid in a transaction an error aborted.
  result<void> rollback_to_savepoint(connection& conn) noexcept {
    conn.unnumbered_events().resize(events_at_savepoint);
    return defer(conn, "ROLLBACK TO SAVEPOINT member");
  }
  // The members' events, numbered in commit order (see
  // lock_event_numbers_sql), in one round trip before the COMMIT.
  static result<void> before_commit(connection& conn) noexcept {
    auto& events = conn.unnumbered_events();
    if (events.empty()) return outcome::success();
    try {
      std::vector<connection::batched> batch;
      batch.reserve(events.size() + 1);
      batch.push_back({lock_event_numbers_sql, {}});
      for (auto& values : events) batch.push_back({insert_numbered_event_sql, std::move(values)});
      events.clear();
      BOOST_OUTCOME_TRY(conn.pipeline(batch));
      return outcome::success();
    } catch (...) {
      return errc::store_unavailable;
    }
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
  // Busy at the group's level is a serialization failure or a deadlock (a
  // lock timeout reruns one member): the group lost to another transaction,
  // and a large group keeps losing (at SERIALIZABLE two lanes' groups
  // conflict on shared index pages time after time), so it runs again as
  // halves.
  static bool split_group(error_code ec) noexcept { return ec == errc::busy; }

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
