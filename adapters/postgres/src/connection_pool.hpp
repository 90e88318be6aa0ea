// A small pool of connections to one database. Private to the adapter.
#pragma once

#include "connection.hpp"

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace payintent::postgres_detail {

// Connections are opened on demand up to `size`; a borrower beyond that waits
// for one to come back. A connection found broken is closed instead of coming
// back, and with it every idle one (a server restart breaks them all), so the
// next borrower reconnects. Thread-safe.
class connection_pool {
 public:
  connection_pool(std::string conninfo, std::size_t size);

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

  // store_unavailable when a new connection cannot be opened; `why` (if
  // given) gets libpq's reason.
  result<lease> borrow(std::string* why = nullptr) noexcept;

 private:
  void give_back(std::unique_ptr<connection> conn) noexcept;

  const std::string conninfo_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;  // idle + borrowed + being opened
};

}  // namespace payintent::postgres_detail
