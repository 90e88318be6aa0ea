// A store whose claims wait at a gate the test opens, and which counts them:
// proves who reaches the store and that nobody's thread waits on it but the
// service's own.
#pragma once

#include "payintent/idempotency_store.hpp"

#include <atomic>
#include <chrono>
#include <future>

namespace payintent::test {

class gated_store final : public store_wrapper {
 public:
  using store_wrapper::store_wrapper;

  // Lets every claim, waiting or future, through.
  void open() {
    if (!opened_.exchange(true)) gate_.set_value();
  }
  // Claims that reached the store (whether or not they have passed the gate).
  std::size_t claims() const { return claims_; }

  result<claim_result> claim(const claim_request& r) override {
    ++claims_;
    // A gate never opened fails the claim instead of hanging the test.
    auto seen = gate_seen_;  // a copy per thread
    if (seen.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      return make_error_code(errc::store_unavailable);
    }
    return target().claim(r);
  }

 private:
  std::promise<void> gate_;
  std::shared_future<void> gate_seen_ = gate_.get_future().share();
  std::atomic<bool> opened_{false};
  std::atomic<std::size_t> claims_{0};
};

}  // namespace payintent::test
