#include "transaction.hpp"

#include <algorithm>
#include <functional>

namespace payintent::postgres_detail {
namespace {

// Milliseconds since the Unix epoch by the database's clock. clock_timestamp()
// (not now(), which is frozen at BEGIN) so a lease check late in a long
// transaction is not fooled.
#define PAYINTENT_PG_CLOCK_SQL "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

}  // namespace

result<std::int64_t> transaction_runner::now() noexcept {
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

result<std::int64_t> transaction_runner::begin(connection& conn, tx_kind kind) noexcept {
  if (clock_) {
    BOOST_OUTCOME_TRY(conn.exec(kind == tx_kind::write
                                    ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                    : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    try {
      return clock_();
    } catch (...) {
      return errc::store_unavailable;
    }
  }
  BOOST_OUTCOME_TRY(
      auto r,
      conn.exec(kind == tx_kind::write
                    ? "BEGIN ISOLATION LEVEL READ COMMITTED; " PAYINTENT_PG_CLOCK_SQL
                    : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " PAYINTENT_PG_CLOCK_SQL));
  if (r.size() != 1) return errc::store_unavailable;
  return r.int_at(0, 0);
}

}  // namespace payintent::postgres_detail
