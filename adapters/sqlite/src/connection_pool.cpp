#include "connection_pool.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace payintent::sqlite_detail {

connection_pool::connection_pool(pool_settings settings) : settings_(std::move(settings)) {
  idle_.reserve(std::max<std::size_t>(settings_.size, 1));
}

connection_pool::lease::~lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

result<connection_pool::lease> connection_pool::borrow() noexcept {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(
        lock, [&] { return !idle_.empty() || open_ < std::max<std::size_t>(settings_.size, 1); });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return lease(*this, std::move(conn));
    }
    ++open_;  // reserve the slot; open outside the lock, it touches the file
  }
  auto opened = open_one();
  if (!opened) {
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
    return opened.error();
  }
  return lease(*this, std::move(opened).value());
}

void connection_pool::give_back(std::unique_ptr<connection> conn) noexcept {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(conn));  // capacity reserved up front: cannot throw
  returned_.notify_one();
}

result<std::unique_ptr<connection>> connection_pool::open_one() noexcept {
  BOOST_OUTCOME_TRY(
      auto conn, connection::open(settings_.path, settings_.read_only, settings_.busy_timeout_ms));
  BOOST_OUTCOME_TRY(conn->exec(settings_.synchronous == sqlite_synchronous::normal
                                   ? "PRAGMA synchronous = NORMAL"
                                   : "PRAGMA synchronous = FULL"));
  // A group commit runs each write in a savepoint, whose undo pages go to a
  // statement journal: in memory, not a temporary file that spills past
  // 64 KiB (one pwrite per page of every write, and payment rows on /var/tmp).
  BOOST_OUTCOME_TRY(conn->exec("PRAGMA temp_store = MEMORY"));
  if (settings_.max_page_count > 0) {
    try {
      // A number from the options, not caller data; PRAGMAs cannot be bound.
      const auto sql = fmt::format("PRAGMA max_page_count = {}", settings_.max_page_count);
      BOOST_OUTCOME_TRY(conn->exec(sql.c_str()));
    } catch (...) {
      return errc::store_unavailable;
    }
  }
  return conn;
}

}  // namespace payintent::sqlite_detail
