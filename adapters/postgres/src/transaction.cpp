#include "transaction.hpp"

#include "group_transaction.hpp"
#include "multi_row_insert.hpp"
#include "staged_group.hpp"

#include <algorithm>
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
// A group's events, up to 16 a statement, numbered in the order of the rows.
const auto& insert_numbered_events() {
  static const multi_row_insert<16> statement(
      "INSERT INTO events (sequence, id, type, tenant, intent_id, created_at, snapshot) VALUES ", 6,
      "nextval('event_numbers'), ");
  return statement;
}

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
// (adapters/common/group_transaction.hpp): the members run side by side
// (staged_group.hpp), so a group costs four round trips: BEGIN with the
// clock, the members' reads, their rows, and their events with the COMMIT.
struct group_dialect {
  using connection = postgres_detail::connection;
  using member = adapter_detail::group_member<connection>;
  transactions& owner;
  std::unique_ptr<connection>& lane_connection;  // the group's lane's
  const adapter_detail::retry_policy& policy;
  std::int64_t begun_at_ms = 0;
  bool commit_unsent = false;  // commit() found the connection closed before sending

  result<connection*> writer() noexcept {
    if (!lane_connection || lane_connection->broken()) {
      lane_connection.reset();
      BOOST_OUTCOME_TRY(lane_connection, owner.pool_.open());
    }
    return lane_connection.get();
  }
  result<void> begin(connection& conn) noexcept {
    conn.unnumbered_events().clear();
    commit_unsent = false;
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
  result<void> apply_members(connection& conn, std::span<member*> members,
                             const std::function<void()>& member_done) noexcept {
    try {
      const staged_group how{[this, &conn] { return now(conn); }, policy, member_done};
      return run_staged(conn, members, how);
    } catch (...) {
      return errc::store_unavailable;
    }
  }
  // The members' events, numbered in commit order (see
  // lock_event_numbers_sql), and the COMMIT, in one round trip. A COMMIT
  // of a transaction an error aborted answers the tag ROLLBACK: a failure.
  // A connection the server has already closed is found before sending:
  // that group never committed, and runs again.
  result<void> commit(connection& conn) noexcept {
    if (!conn.alive()) {
      commit_unsent = true;
      return errc::store_unavailable;
    }
    try {
      auto& events = conn.unnumbered_events();
      std::vector<connection::batched> batch;
      batch.reserve(events.size() + 2);
      if (!events.empty()) batch.push_back({lock_event_numbers_sql, {}});
      const auto& insert = insert_numbered_events();
      for (std::size_t i = 0; i < events.size(); ++i) {
        if (i % insert.max_rows == 0) {
          batch.push_back({insert.sql(std::min(insert.max_rows, events.size() - i)), {}});
        }
        batch.back().values.append(std::move(events[i]));
      }
      events.clear();
      batch.push_back({"COMMIT", {}});
      BOOST_OUTCOME_TRY(auto r, conn.pipeline(batch));
      if (r.back().command() != "COMMIT") return errc::store_unavailable;
      return outcome::success();
    } catch (...) {
      return errc::store_unavailable;
    }
  }
  bool retry_group(connection& conn, error_code ec, bool commit_sent) const noexcept {
    return transactions::retryable(conn, ec, commit_sent && !commit_unsent);
  }
  // Busy at the group's level is a serialization failure or a deadlock (a
  // lock timeout reruns one member): the group lost to another transaction,
  // and a large group keeps losing (at SERIALIZABLE two lanes' groups
  // conflict on shared index pages time after time), so it runs again as
  // halves.
  static bool split_group(error_code ec) noexcept { return ec == errc::busy; }
};

void transactions::run_group(std::span<adapter_detail::group_member<connection>*> members,
                             std::size_t lane,
                             const adapter_detail::retry_policy& policy) noexcept {
  group_dialect dialect{*this, writers_[lane], policy};
  adapter_detail::group_transaction<group_dialect>(dialect, policy).run(members);
}

}  // namespace payintent::postgres_detail
