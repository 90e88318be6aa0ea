// How the shared row <-> record mapping (adapters/common/sql_codec.hpp) meets
// SQLite: a statement is read as a row as it stands, and bound through
// `parameters`. Private to the adapter.
#pragma once

#include "connection.hpp"
#include "sql_codec.hpp"

#include <cstdint>
#include <string_view>

namespace payintent::sqlite_detail {

// Binds a statement's parameters ?1, ?2, ... in the order they are added. A
// failed bind is reported by the statement's step().
class parameters {
 public:
  explicit parameters(statement& stmt) noexcept : stmt_(stmt) {}

  parameters& add(std::int64_t value) noexcept {
    stmt_.bind(next_++, value);
    return *this;
  }
  parameters& add(std::string_view text) noexcept {
    stmt_.bind(next_++, text);
    return *this;
  }
  parameters& add_null() noexcept {
    stmt_.bind_null(next_++);
    return *this;
  }

 private:
  statement& stmt_;
  int next_ = 1;
};

// The operators' queries' primitive (sql_operator_queries.hpp): statement
// `Text` bound by `bind(parameters&)`, each row (the statement as it stands)
// handed to `on_row`, whose first error stops and is answered.
template <const auto& Text, class Bind, class OnRow>
result<void> for_each_row(connection& conn, Bind&& bind, OnRow&& on_row) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(Text));
  parameters p(stmt);
  bind(p);
  for (;;) {
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return outcome::success();
    BOOST_OUTCOME_TRY(on_row(static_cast<const statement&>(stmt)));
  }
}

}  // namespace payintent::sqlite_detail
