// SQLite's transactions: a unit of work in one transaction, retried whole on
// lock contention, and the store's writes as members of a group commit
// (adapters/common/transaction_runner.hpp runs both with these statements).
// Private to the adapter.
#pragma once

#include "configured_connection.hpp"
#include "transaction_runner.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>

namespace payintent::sqlite_detail {

enum class tx_kind : std::uint8_t {
  none,   // no transaction (PRAGMA journal_mode cannot run inside one)
  read,   // BEGIN: a consistent snapshot; never blocks the writer in WAL mode
  write,  // BEGIN IMMEDIATE: the write lock before the first read
};

// The runner's Transactions for SQLite. A write group runs in BEGIN
// IMMEDIATE; errc::busy taking the lock retries the whole group, or the
// whole unit. `now_ms` is read from the store clock after the lock is taken,
// so writers' times follow their commit order.
class transactions : public adapter_detail::transactions_base<connection_pool> {
 public:
  using connection = sqlite_detail::connection;
  using kind_type = tx_kind;

  transactions(connection_pool& pool, std::function<std::int64_t()> clock,
               adapter_detail::group_limits) noexcept
      : transactions_base(pool, std::move(clock)) {}

  // A pooled connection; for a transaction of `write` kind, after this
  // process's write lock (writers queue there rather than poll SQLite's
  // lock, and hold no connection while they wait).
  struct lease {
    std::unique_lock<std::mutex> serial;
    connection_pool::lease conn;
    connection& operator*() const noexcept { return *conn; }
  };
  result<lease> borrow(tx_kind kind) noexcept;
  result<std::int64_t> begin(connection& conn, tx_kind kind) noexcept;
  static result<void> commit(connection& conn, tx_kind kind) noexcept;
  static bool retryable(const connection&, error_code ec, bool) noexcept {
    return ec == errc::busy;
  }

  // The store clock; a throwing clock answers store_unavailable.
  result<std::int64_t> now() noexcept;

  // Runs a group as adapter_detail::group_transaction with SQLite's
  // statements (group_dialect, in the .cpp).
  void run_group(std::span<adapter_detail::group_member<connection>*> members, std::size_t lane,
                 const adapter_detail::retry_policy& policy) noexcept;

 private:
  friend struct group_dialect;

  // Held by a transaction of `write` kind and by a group's transaction, so
  // this process's writers queue here rather than poll SQLite's lock.
  std::mutex write_mutex_;
  // The groups' own connection, opened at the first group and kept
  // (guarded by write_mutex_).
  std::unique_ptr<connection> writer_;
};

using transaction_runner = adapter_detail::transaction_runner<transactions>;

}  // namespace payintent::sqlite_detail
