#include "connection_pool.hpp"

#include <algorithm>

namespace payintent::postgres_detail {

connection_pool::connection_pool(std::string conninfo, std::size_t size)
    : conninfo_(std::move(conninfo)), size_(std::max<std::size_t>(size, 1)) {
  idle_.reserve(size_);
}

connection_pool::lease::~lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

result<connection_pool::lease> connection_pool::borrow(std::string* why) noexcept {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return lease(*this, std::move(conn));
    }
    ++open_;  // reserve the slot; connect outside the lock, it waits on the network
  }
  auto opened = connection::open(conninfo_, why);
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
  if (conn->broken()) {
    // Closing a dead connection sends nothing that can block.
    open_ -= idle_.size() + 1;
    idle_.clear();  // keeps the reserved capacity
    conn.reset();
    returned_.notify_all();
    return;
  }
  idle_.push_back(std::move(conn));  // capacity reserved up front: cannot throw
  returned_.notify_one();
}

}  // namespace payintent::postgres_detail
