#include "payintent/detail/context_guard.hpp"

#include <algorithm>

namespace payintent::detail {

// execution_context::id's constructor is empty; it is not marked noexcept.
boost::asio::execution_context::id context_guard::id;  // NOLINT(cert-err58-cpp)

void pending_handler::abandon() noexcept {
  std::lock_guard lock(mutex_);
  if (settled_) return;
  settled_ = true;
  drop_handler();
}

context_guard::context_guard(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context) {
}

void context_guard::watch(const std::shared_ptr<pending_handler>& handler) {
  std::lock_guard lock(mutex_);
  if (watched_.size() >= prune_at_) {
    std::erase_if(watched_, [](const auto& w) { return w.expired(); });
    prune_at_ = std::max<std::size_t>(64, 2 * watched_.size());
  }
  watched_.push_back(handler);
}

void context_guard::shutdown() {
  std::vector<std::weak_ptr<pending_handler>> watched;
  {
    std::lock_guard lock(mutex_);
    watched.swap(watched_);
  }
  for (const auto& w : watched) {
    if (auto handler = w.lock()) handler->abandon();
  }
}

}  // namespace payintent::detail
