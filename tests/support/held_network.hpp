// A card network for recovery tests: authorize records whether money moved
// and holds the handler until the test releases it (a paused or crashed
// holder); lookup and void answer from the record, or fail, as scripted.
// lookup answers found (approved), found voided, or not found.
#pragma once

#include "payintent/card_network.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace payintent::test {

class held_network final : public card_network {
 public:
  enum class mode { answer, fail, unsupported };

  // Whether the next authorizations reach the network (money moves) before
  // their answer is lost. Default: true.
  bool reaches_network = true;
  mode lookup_mode = mode::answer;
  mode void_mode = mode::answer;

  void async_authorize(const authorization_request& r, authorize_handler h) override {
    std::lock_guard lock(mutex_);
    ++authorize_calls_;
    if (reaches_network) moved_[r.reference] = true;
    held_.push_back(std::move(h));
  }

  // Runs once, after the next lookup's answer is decided and before it is
  // delivered: the looking-up node is paused there (its lease may expire).
  std::function<void()> before_next_lookup_answer;

  void async_lookup(const std::string& reference, lookup_handler h) override {
    error_code ec;
    lookup_result found;
    {
      std::lock_guard lock(mutex_);
      ++lookups_;
      if (lookup_mode == mode::fail) ec = make_error_code(errc::card_network_error);
      if (lookup_mode == mode::unsupported) ec = make_error_code(errc::not_supported);
      if (moved_.count(reference)) {
        found.found = true;
        found.outcome = network_outcome::approved("ntx-" + reference);
        found.voided = voided_.count(reference) > 0;
      }
    }
    if (auto pause = std::exchange(before_next_lookup_answer, nullptr)) pause();
    std::move(h)(ec, found);
  }

  void async_void(const std::string& reference, void_handler h) override {
    error_code ec;
    {
      std::lock_guard lock(mutex_);
      if (void_mode == mode::fail) ec = make_error_code(errc::card_network_error);
      if (void_mode == mode::unsupported) ec = make_error_code(errc::not_supported);
      if (!ec) {
        voided_[reference] = true;
        ++voids_;
      }
    }
    std::move(h)(ec);
  }

  // The authorization under `reference` reaches the network only now (it was
  // in transit). `honour_void`: as card_network's contract requires, an
  // earlier void reverses it; false plays a network that breaks the
  // contract and lets it live.
  void arrive(const std::string& reference, bool honour_void = true) {
    std::lock_guard lock(mutex_);
    moved_[reference] = true;
    if (!honour_void) voided_.erase(reference);
  }
  // Money held under `reference`: arrived and not voided.
  bool live(const std::string& reference) const {
    std::lock_guard lock(mutex_);
    return moved_.count(reference) > 0 && voided_.count(reference) == 0;
  }
  // Successful void calls, all references.
  std::size_t voids() const {
    std::lock_guard lock(mutex_);
    return voids_;
  }

  // Completes every held authorization with `outcome` (the paused holder
  // wakes up). Returns how many were released.
  std::size_t release(const network_outcome& outcome) {
    std::vector<authorize_handler> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& h : held) std::move(h)(outcome);
    return held.size();
  }

  std::size_t authorize_calls() const {
    std::lock_guard lock(mutex_);
    return authorize_calls_;
  }
  std::size_t lookups() const {
    std::lock_guard lock(mutex_);
    return lookups_;
  }
  bool voided(const std::string& reference) const {
    std::lock_guard lock(mutex_);
    return voided_.count(reference) > 0;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<authorize_handler> held_;
  std::map<std::string, bool> moved_, voided_;
  std::size_t authorize_calls_ = 0, lookups_ = 0, voids_ = 0;
};

}  // namespace payintent::test
