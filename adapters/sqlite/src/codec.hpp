// How the shared row <-> record mapping (adapters/common/sql_codec.hpp) meets
// SQLite: a statement is read as a row as it stands, and bound through
// `parameters`. Private to the adapter.
#pragma once

#include "connection.hpp"
#include "sql_codec.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace payintent::sqlite_detail {

// Binds a statement's parameters ?1, ?2, ... in the order they are added.
// Texts are held by the statement (statement::held_texts) and bound when
// the binder is dropped, at the end of the binding expression; a text may
// be a temporary of that expression. A failed bind is reported by the
// statement's step(). add(text) may throw std::bad_alloc.
class parameters {
 public:
  explicit parameters(statement& stmt) noexcept : stmt_(stmt) { stmt_.held_texts().clear(); }
  ~parameters() {
    for (std::size_t i = 0; i < held_count_; ++i) {
      stmt_.bind_held(held_[i].index, held_[i].offset, held_[i].size);
    }
  }
  parameters(const parameters&) = delete;
  parameters& operator=(const parameters&) = delete;

  parameters& add(std::int64_t value) noexcept {
    stmt_.bind(next_++, value);
    return *this;
  }
  parameters& add(std::string_view text) {
    if (held_count_ == held_.size()) {  // more texts than any statement here has
      stmt_.bind(next_++, text);
      return *this;
    }
    auto& texts = stmt_.held_texts();
    held_[held_count_++] = {next_++, texts.size(), text.size()};
    texts.append(text);
    return *this;
  }
  parameters& add_null() noexcept {
    stmt_.bind_null(next_++);
    return *this;
  }

 private:
  struct held_text {
    int index;
    std::size_t offset, size;
  };
  statement& stmt_;
  int next_ = 1;
  std::array<held_text, 24> held_{};
  std::size_t held_count_ = 0;
};

// The operators' queries' primitive (sql_operator_queries.hpp): statement
// `Text` bound by `bind(parameters&)`, each row (the statement as it stands)
// handed to `on_row`, whose first error stops and is answered.
template <const auto& Text, class Bind, class OnRow>
result<void> for_each_row(connection& conn, Bind&& bind, OnRow&& on_row) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(Text));
  {
    parameters p(stmt);
    bind(p);
  }  // the texts are bound as `p` is dropped, before the first step
  for (;;) {
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return outcome::success();
    BOOST_OUTCOME_TRY(on_row(static_cast<const statement&>(stmt)));
  }
}

}  // namespace payintent::sqlite_detail
