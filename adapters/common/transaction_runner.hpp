// How a SQL store runs its transactions, for both SQL stores: a read or a
// schema migration as one transaction of its own (single_transaction.hpp),
// a write as one member of a group commit (write_group.hpp, run by
// group_transaction.hpp). The store's `Transactions` supplies the statements
// and the connections. Private to the adapters (header-only, not installed).
#pragma once

#include "payintent/error.hpp"
#include "retry_backoff.hpp"
#include "single_transaction.hpp"
#include "write_group.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <type_traits>
#include <utility>

namespace payintent::adapter_detail {

// What every store's Transactions holds: the pool its own transactions
// borrow from, and the store clock as the options gave it.
template <class Pool>
class transactions_base {
 public:
  using pool_type = Pool;

 protected:
  transactions_base(Pool& pool, std::function<std::int64_t()> clock) noexcept
      : pool_(pool), clock_(std::move(clock)) {}

  Pool& pool_;
  const std::function<std::int64_t()> clock_;
};

// Transactions: constructed from (pool&, clock, group_limits); names its
// `pool_type` and `kind_type`; is run_transaction's dialect for transactions of kind `kind`
// (single_transaction.hpp); and has, every call noexcept:
//   result<std::int64_t> now()           the store clock outside a transaction
//   void run_group(std::span<group_member<connection>*>, std::size_t lane,
//                  const retry_policy&)  runs one group as one transaction
//                                        (group_transaction.hpp) and sets
//                                        every member's answer
template <class Transactions>
class transaction_runner {
 public:
  using connection = typename Transactions::connection;
  using kind = typename Transactions::kind_type;

  // `clock` empty: the store's own (the store's header says which).
  transaction_runner(typename Transactions::pool_type& pool, retry_policy policy,
                     group_limits group, std::function<std::int64_t()> clock)
      : transactions_(pool, std::move(clock), group),
        policy_(policy),
        group_(group, [this](std::span<member*> members, std::size_t lane) {
          transactions_.run_group(members, lane, policy_);
        }) {}

  // Calls body(connection&, now_ms) as one member of a group commit, in a
  // transaction shared with the writes queued beside it. Answers body's
  // value once the group's COMMIT returned; body's own error if it failed
  // (only what it wrote is undone, group_transaction.hpp); or the error that
  // failed the whole group, in which case nothing of it was written (or, for
  // a COMMIT whose answer was lost, nobody knows). The store's header says
  // which failures are retried, and what clock `now_ms` is.
  // `footprint`: the rows body may change (write_group.hpp), for a store
  // that runs a group's members side by side.
  template <class F>
  auto write(F&& body, write_footprint footprint = {}) noexcept
      -> std::invoke_result_t<F&, connection&, std::int64_t> {
    return group_.write(std::forward<F>(body), footprint);
  }

  // Calls body(connection&, now_ms) inside a transaction of kind `k` of its
  // own (reads, the schema migration; the store's writes use `write`) and
  // commits when it succeeds. Any failure, and any exception, rolls back. A
  // failure Transactions calls retryable runs the whole unit again after a
  // jittered backoff, at most max_retries times. `now_ms` is the store clock
  // read inside the transaction.
  template <class F>
  auto run(kind k, F&& body) noexcept -> std::invoke_result_t<F&, connection&, std::int64_t> {
    return run_transaction(transactions_, k, policy_, std::forward<F>(body));
  }

  // The store clock outside a transaction.
  result<std::int64_t> now() noexcept { return transactions_.now(); }

 private:
  using member = group_member<connection>;

  Transactions transactions_;
  const retry_policy policy_;
  write_group<connection> group_;
};

}  // namespace payintent::adapter_detail
