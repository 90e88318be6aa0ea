// PostgreSQL's transactions: a unit of work in one transaction, retried whole
// on serialization failures, deadlocks and lost connections, and the store's
// writes as members of a group commit on each lane's own connection
// (adapters/common/transaction_runner.hpp runs both with these statements).
// Private to the adapter.
#pragma once

#include "connection.hpp"
#include "connection_pool.hpp"
#include "transaction_runner.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace payintent::postgres_detail {

using connection_pool = adapter_detail::connection_pool<connection>;

enum class tx_kind : std::uint8_t {
  read,   // REPEATABLE READ READ ONLY: one snapshot for every statement
  write,  // the session's default isolation, READ COMMITTED unless the server or the
          // conninfo sets default_transaction_isolation: row locks order writers
};

// The runner's Transactions for PostgreSQL. A write group runs at the
// session's default isolation on its lane's connection; a member's lock or
// statement timeout reruns it in place, a serialization failure or deadlock
// (40001, 40P01) runs the whole group again in a new transaction, and a
// connection lost before COMMIT was sent runs the group (or the unit) again
// on a fresh one; one lost during COMMIT answers store_unavailable. `now_ms` is the database clock read with BEGIN (or the
// injected clock, read per member).
class transactions : public adapter_detail::transactions_base<connection_pool> {
 public:
  using connection = postgres_detail::connection;
  using kind_type = tx_kind;

  // `clock` empty: the database clock. One writer connection a lane.
  transactions(connection_pool& pool, std::function<std::int64_t()> clock,
               adapter_detail::group_limits group)
      : transactions_base(pool, std::move(clock)),
        writers_(std::max<std::size_t>(group.lanes, 1)) {}

  result<connection_pool::lease> borrow(tx_kind) noexcept { return pool_.borrow(); }
  // BEGIN, and the clock in the same round trip.
  result<std::int64_t> begin(connection& conn, tx_kind kind) noexcept;
  // COMMIT, and a check that it committed.
  static result<void> commit(connection& conn, tx_kind = tx_kind::write) noexcept;
  // Worth running a transaction again after `ec`?
  static bool retryable(const connection& conn, error_code ec, bool commit_sent) noexcept {
    return ec == errc::busy || (ec == errc::store_unavailable && conn.broken() && !commit_sent);
  }

  // The store clock outside a transaction.
  result<std::int64_t> now() noexcept;

  // Runs a group as adapter_detail::group_transaction with PostgreSQL's
  // statements (group_dialect, in the .cpp) on lane `lane`'s connection.
  void run_group(std::span<adapter_detail::group_member<connection>*> members, std::size_t lane,
                 const adapter_detail::retry_policy& policy) noexcept;

 private:
  friend struct group_dialect;

  // Each lane's own connection, opened at its first group, kept, and
  // replaced once broken. Only the lane's group leader touches it.
  std::vector<std::unique_ptr<connection>> writers_;
};

using transaction_runner = adapter_detail::transaction_runner<transactions>;

}  // namespace payintent::postgres_detail
