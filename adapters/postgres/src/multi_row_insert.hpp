// The text of an INSERT of several rows in one statement, one text per row
// count, built once: a statement's cost is mostly per statement, not per
// row. Private to the adapter.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace payintent::postgres_detail {

// `head` ("INSERT INTO t (cols) VALUES ") and then `rows` rows, each
// "(<lead>$k, $k+1, ...)" with `columns` parameters numbered on from the
// row before. Kept as a function-local static: a prepared statement is
// keyed by its text's address, which must live as long as the process.
template <std::size_t MaxRows>
class multi_row_insert {
 public:
  multi_row_insert(std::string_view head, std::size_t columns, std::string_view lead = {}) {
    for (std::size_t n = 1; n <= MaxRows; ++n) {
      std::string sql(head);
      for (std::size_t row = 0; row < n; ++row) {
        sql += row == 0 ? "(" : ", (";
        sql += lead;
        for (std::size_t col = 1; col <= columns; ++col) {
          sql += fmt::format("{}${}", col == 1 ? "" : ", ", row * columns + col);
        }
        sql += ")";
      }
      texts_[n - 1] = std::move(sql);
    }
  }

  static constexpr std::size_t max_rows = MaxRows;

  // 1 <= rows <= MaxRows.
  const char* sql(std::size_t rows) const noexcept { return texts_[rows - 1].c_str(); }

 private:
  std::array<std::string, MaxRows> texts_;
};

}  // namespace payintent::postgres_detail
