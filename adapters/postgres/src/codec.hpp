// How the shared row <-> record mapping (adapters/common/sql_codec.hpp) meets
// libpq: `params` binds as it stands, and one row of a result is read through
// `row_view`. Private to the adapter.
#pragma once

#include "connection.hpp"
#include "sql_codec.hpp"

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

}  // namespace payintent::postgres_detail
