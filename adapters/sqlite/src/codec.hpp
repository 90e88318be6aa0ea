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

}  // namespace payintent::sqlite_detail
