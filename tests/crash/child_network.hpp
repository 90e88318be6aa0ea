// crash_child's card network: the fake card network (with its journal) plus
// two ways a request goes astray on the wire, which the fake cannot play
// alone because it records money at the moment a request arrives.
#pragma once

#include "crash_plan.hpp"

#include "payintent/testing/fake_card_network.hpp"

#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace payintent::crash_test {

class child_network final : public card_network {
 public:
  // `arrival_delay` > 0: every authorization spends that long in transit
  // before it reaches the fake, so a lookup made meanwhile finds nothing.
  child_network(testing::fake_network_options options, std::chrono::milliseconds arrival_delay)
      : fake_(std::move(options)), arrival_delay_(arrival_delay) {}

  ~child_network() override {
    std::lock_guard lock(mutex_);
    for (auto& t : in_transit_) t.join();
  }

  void async_authorize(const authorization_request& request, authorize_handler handler) override {
    if (request.payment_method == pm_lost) {
      // Lost on the way: the network never saw it; the caller cannot know.
      std::move(handler)(network_outcome::unknown("crash_child: request lost in transit"));
      return;
    }
    if (arrival_delay_.count() <= 0) return fake_.async_authorize(request, std::move(handler));
    std::lock_guard lock(mutex_);
    in_transit_.emplace_back([this, request, h = std::move(handler)]() mutable {
      std::this_thread::sleep_for(arrival_delay_);
      fake_.async_authorize(request, std::move(h));
    });
  }
  void async_lookup(const std::string& reference, lookup_handler handler) override {
    fake_.async_lookup(reference, std::move(handler));
  }
  void async_void(const std::string& reference, void_handler handler) override {
    fake_.async_void(reference, std::move(handler));
  }
  void async_capture(const follow_up_request& request, follow_up_handler handler) override {
    fake_.async_capture(request, std::move(handler));
  }
  void async_release(const follow_up_request& request, follow_up_handler handler) override {
    fake_.async_release(request, std::move(handler));
  }
  void async_refund(const follow_up_request& request, follow_up_handler handler) override {
    fake_.async_refund(request, std::move(handler));
  }
  void async_lookup_capture(const std::string& reference, lookup_handler handler) override {
    fake_.async_lookup_capture(reference, std::move(handler));
  }
  void async_lookup_release(const std::string& reference, lookup_handler handler) override {
    fake_.async_lookup_release(reference, std::move(handler));
  }
  void async_lookup_refund(const std::string& reference, lookup_handler handler) override {
    fake_.async_lookup_refund(reference, std::move(handler));
  }

 private:
  testing::fake_card_network fake_;
  std::chrono::milliseconds arrival_delay_;
  std::mutex mutex_;
  std::vector<std::thread> in_transit_;
};

}  // namespace payintent::crash_test
