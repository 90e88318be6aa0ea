// A small pool of connections to one database, for both SQL stores. Private
// to the adapters (header-only, not installed).
#pragma once

#include "payintent/error.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace payintent::adapter_detail {

// Connections are opened on demand up to `size` (at least 1); a borrower
// beyond that waits for one to come back. A connection found broken when it
// comes back is closed, and with it every idle one (a server restart breaks
// them all), so the next borrower opens a fresh one. Thread-safe.
//
// Connection: has `bool broken() const noexcept`, and closes in its
// destructor without blocking once broken.
template <class Connection>
class connection_pool {
 public:
  // Opens one configured connection; on failure may say why in `why` (never
  // a password).
  using opener = std::function<result<std::unique_ptr<Connection>>(std::string* why)>;

  connection_pool(opener open, std::size_t size)
      : open_one_(std::move(open)), size_(std::max<std::size_t>(size, 1)) {
    idle_.reserve(size_);
  }

  // A borrowed connection, returned to the pool when dropped.
  class lease {
   public:
    lease(connection_pool& pool, std::unique_ptr<Connection> conn) noexcept
        : pool_(&pool), conn_(std::move(conn)) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    Connection& operator*() const noexcept { return *conn_; }
    Connection* operator->() const noexcept { return conn_.get(); }

   private:
    connection_pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // A new connection of the pool's kind that the pool neither counts nor
  // takes back (the write groups' own). Never throws.
  result<std::unique_ptr<Connection>> open(std::string* why = nullptr) const noexcept {
    try {
      return open_one_(why);
    } catch (...) {
      return errc::store_unavailable;
    }
  }

  // An idle connection, or a new one while fewer than `size` are open, or
  // the next one returned. The opener's error when a new one cannot be
  // opened; `why` (if given) gets its reason.
  result<lease> borrow(std::string* why = nullptr) noexcept {
    {
      std::unique_lock lock(mutex_);
      returned_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(conn));
      }
      ++open_;  // reserve the slot; open outside the lock, it may wait on a disk or network
    }
    auto opened = open(why);
    if (!opened) {
      std::lock_guard lock(mutex_);
      --open_;
      returned_.notify_one();
      return opened.error();
    }
    return lease(*this, std::move(opened).value());
  }

 private:
  void give_back(std::unique_ptr<Connection> conn) noexcept {
    std::lock_guard lock(mutex_);
    if (conn->broken()) {
      open_ -= idle_.size() + 1;
      idle_.clear();  // keeps the reserved capacity
      conn.reset();
      returned_.notify_all();
      return;
    }
    idle_.push_back(std::move(conn));  // capacity reserved up front: cannot throw
    returned_.notify_one();
  }

  const opener open_one_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + borrowed + being opened
};

}  // namespace payintent::adapter_detail
