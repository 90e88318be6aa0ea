#include "http_server/connections.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace payintent::http {

bool connection_registry::add(const std::shared_ptr<connection>& c) {
  std::lock_guard lock(mutex_);
  if (stopping_.load()) return false;
  std::erase_if(live_, [](const auto& w) { return w.expired(); });
  live_.push_back(c);
  return true;
}

void connection_registry::stop() {
  std::vector<std::weak_ptr<connection>> live;
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
    live.swap(live_);
  }
  for (const auto& w : live) {
    auto c = w.lock();
    if (!c) continue;
    boost::asio::post(c->stream.get_executor(), [c] {
      if (!c->busy) c->stream.cancel();
    });
  }
}

}  // namespace payintent::http
