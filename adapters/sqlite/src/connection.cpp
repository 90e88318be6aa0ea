#include "connection.hpp"

#include <sqlite3.h>

#include <utility>

namespace payintent::sqlite_detail {

error_code map_sqlite_error(int rc) noexcept {
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return errc::busy;
    case SQLITE_FULL:
      return errc::storage_full;
    case SQLITE_READONLY:
      return errc::storage_read_only;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return errc::storage_corrupt;
    case SQLITE_CONSTRAINT:
      return errc::version_conflict;
    default:  // CANTOPEN, IOERR, NOMEM, PROTOCOL, ...: the environment failed us
      return errc::store_unavailable;
  }
}

statement::statement(statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), held_(other.held_), bind_rc_(other.bind_rc_) {
}

statement::~statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

statement& statement::bind(int index, std::int64_t value) noexcept {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

statement& statement::bind(int index, std::string_view text) noexcept {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

statement& statement::bind_held(int index, std::size_t offset, std::size_t size) noexcept {
  const int rc =
      sqlite3_bind_text64(stmt_, index, held_->data() + offset, size, SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

statement& statement::bind_null(int index) noexcept {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

result<bool> statement::step() noexcept {
  if (bind_rc_ != SQLITE_OK) return map_sqlite_error(bind_rc_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return map_sqlite_error(rc);
}

result<void> statement::run() noexcept {
  for (;;) {
    BOOST_OUTCOME_TRY(auto row, step());
    if (!row) return outcome::success();
  }
}

std::int64_t statement::int_at(int column) const noexcept {
  return sqlite3_column_int64(stmt_, column);
}

std::string statement::text_at(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

result<std::unique_ptr<connection>> connection::open(const std::string& path, bool read_only,
                                                     int busy_timeout_ms) noexcept {
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is only ever used by the thread that borrowed it.
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return map_sqlite_error(rc);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  try {
    return std::unique_ptr<connection>(new connection(db));
  } catch (...) {
    sqlite3_close_v2(db);
    return errc::store_unavailable;
  }
}

connection::~connection() {
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
  sqlite3_close_v2(db_);
}

result<statement> connection::prepare(const char* sql) noexcept {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    return statement(it->second.stmt, &it->second.held);
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return map_sqlite_error(rc);
  }
  try {
    auto& entry = cache_.emplace(sql, cached{stmt, {}}).first->second;
    return statement(stmt, &entry.held);
  } catch (...) {
    sqlite3_finalize(stmt);
    return errc::store_unavailable;
  }
}

result<void> connection::exec(const char* sql) noexcept {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return map_sqlite_error(rc);
  return outcome::success();
}

result<std::int64_t> connection::query_int(const char* sql) noexcept {
  BOOST_OUTCOME_TRY(auto stmt, prepare(sql));
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  if (!row) return errc::storage_corrupt;
  return stmt.int_at(0);
}

result<std::string> connection::query_text(const char* sql) noexcept {
  try {
    BOOST_OUTCOME_TRY(auto stmt, prepare(sql));
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return errc::storage_corrupt;
    return stmt.text_at(0);
  } catch (...) {
    return errc::store_unavailable;
  }
}

std::int64_t connection::changes() const noexcept {
  return sqlite3_changes(db_);
}

std::int64_t connection::total_changes() const noexcept {
  return sqlite3_total_changes64(db_);
}

bool connection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

void connection::rollback() noexcept {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace payintent::sqlite_detail
