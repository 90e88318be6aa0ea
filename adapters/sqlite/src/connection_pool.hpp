// A small pool of configured connections to one file. Private to the adapter.
#pragma once

#include "connection.hpp"
#include "payintent/sqlite_store.hpp"

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace payintent::sqlite_detail {

struct pool_settings {
  std::string path;
  bool read_only = false;
  int busy_timeout_ms = 5000;
  sqlite_synchronous synchronous = sqlite_synchronous::full;
  std::int64_t max_page_count = 0;
  std::size_t size = 4;
};

// Connections are opened on demand up to `size`; a borrower beyond that waits
// for one to come back. Thread-safe.
class connection_pool {
 public:
  explicit connection_pool(pool_settings settings);

  // A borrowed connection, returned to the pool when dropped.
  class lease {
   public:
    lease(connection_pool& pool, std::unique_ptr<connection> conn) noexcept
        : pool_(&pool), conn_(std::move(conn)) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&&) = delete;
    ~lease();
    connection& operator*() const noexcept { return *conn_; }
    connection* operator->() const noexcept { return conn_.get(); }

   private:
    connection_pool* pool_;
    std::unique_ptr<connection> conn_;
  };

  result<lease> borrow() noexcept;

 private:
  result<std::unique_ptr<connection>> open_one() noexcept;
  void give_back(std::unique_ptr<connection> conn) noexcept;

  const pool_settings settings_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;  // idle + borrowed + being opened
};

}  // namespace payintent::sqlite_detail
