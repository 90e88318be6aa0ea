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

}  // namespace payintent::postgres_detail
