// How the shared row <-> record mapping (adapters/common/sql_codec.hpp) meets
// libpq: `params` binds as it stands, one row of a result is read through
// `row_view`, and the shared statements take `$` parameters through `pg_sql`. Private to the
// adapter.
#pragma once

#include "connection.hpp"
#include "sql_codec.hpp"
#include "sql_statements.hpp"

#include <cstdint>
#include <string>

namespace payintent::postgres_detail {

// Row `index` of `result`, read by column (0-based). A NULL reads as "" or 0.
struct row_view {
  const rows& result;
  int index = 0;

  std::string text_at(int column) const { return result.text_at(index, column); }
  std::int64_t int_at(int column) const noexcept { return result.int_at(index, column); }
  bool is_null(int column) const noexcept { return result.is_null(index, column); }
};

// A statement both stores run (sql_statements.hpp), with PostgreSQL's
// parameters ($1, $2, ...).
template <const auto& Text>
inline constexpr const char* pg_sql = adapter_detail::marked<'$', Text>.c_str();

// The operators' queries' primitive (sql_operator_queries.hpp): statement
// `Text` with PostgreSQL's parameters, bound by `bind(params&)`, each row
// handed to `on_row`, whose first error stops and is answered.
template <const auto& Text, class Bind, class OnRow>
result<void> for_each_row(connection& conn, Bind&& bind, OnRow&& on_row) {
  params p;
  bind(p);
  BOOST_OUTCOME_TRY(auto r, conn.query(pg_sql<Text>, p));
  for (int i = 0; i < r.size(); ++i) {
    BOOST_OUTCOME_TRY(on_row(row_view{r, i}));
  }
  return outcome::success();
}

}  // namespace payintent::postgres_detail
