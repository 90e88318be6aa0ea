// The fake card network, except that a capture, release or refund of a
// held kind stays in transit (its sender paused before it reached the
// network) until the test delivers it: to the fake, or with an answer the
// test chooses (a network that carried it out whatever the fake's ledger
// says). Voids can be made to fail, as a sender's late void does when the
// network is away.
#pragma once

#include "engine/network_calls.hpp"
#include "payintent/testing/fake_card_network.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace payintent::test {

class paused_follow_ups final : public card_network {
 public:
  explicit paused_follow_ups(testing::fake_card_network& fake) : fake_(fake) {}

  // Calls of these kinds are held until deliver().
  void hold(attempt_kind kind) {
    std::lock_guard lock(mutex_);
    held_kinds_.insert(kind);
  }
  // Whether async_void answers card_network_error (and voids nothing).
  void fail_voids(bool fail) {
    std::lock_guard lock(mutex_);
    fail_voids_ = fail;
  }

  // The held call arrives now: at the fake, or answered `answer` when given.
  void deliver(std::optional<network_outcome> answer = std::nullopt) {
    std::unique_lock lock(mutex_);
    REQUIRE(held_.has_value());
    auto [request, handler] = std::move(*held_);
    held_.reset();
    lock.unlock();
    if (answer) return std::move(handler)(error_code{}, std::move(*answer));
    detail::send_follow_up(fake_, request, std::move(handler));
  }

  void async_authorize(const authorization_request& r, authorize_handler h) override {
    fake_.async_authorize(r, std::move(h));
  }
  void async_lookup(const std::string& ref, lookup_handler h) override {
    fake_.async_lookup(ref, std::move(h));
  }
  void async_void(const std::string& ref, void_handler h) override {
    std::unique_lock lock(mutex_);
    if (fail_voids_) {
      lock.unlock();
      return std::move(h)(make_error_code(errc::card_network_error));
    }
    lock.unlock();
    fake_.async_void(ref, std::move(h));
  }
  void async_capture(const follow_up_request& r, follow_up_handler h) override {
    take(r, std::move(h));
  }
  void async_release(const follow_up_request& r, follow_up_handler h) override {
    take(r, std::move(h));
  }
  void async_refund(const follow_up_request& r, follow_up_handler h) override {
    take(r, std::move(h));
  }
  void async_lookup_capture(const std::string& ref, lookup_handler h) override {
    fake_.async_lookup_capture(ref, std::move(h));
  }
  void async_lookup_release(const std::string& ref, lookup_handler h) override {
    fake_.async_lookup_release(ref, std::move(h));
  }
  void async_lookup_refund(const std::string& ref, lookup_handler h) override {
    fake_.async_lookup_refund(ref, std::move(h));
  }

 private:
  void take(const follow_up_request& r, follow_up_handler h) {
    std::unique_lock lock(mutex_);
    if (!held_kinds_.count(r.kind)) {
      lock.unlock();
      return detail::send_follow_up(fake_, r, std::move(h));
    }
    REQUIRE_FALSE(held_.has_value());  // one in transit at a time
    held_.emplace(r, std::move(h));
  }

  testing::fake_card_network& fake_;
  std::mutex mutex_;
  std::set<attempt_kind> held_kinds_;
  bool fail_voids_ = false;
  std::optional<std::pair<follow_up_request, follow_up_handler>> held_;
};

}  // namespace payintent::test
