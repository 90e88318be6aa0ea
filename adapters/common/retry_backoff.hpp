// How often, and after what pause, a store retries a whole transaction.
// Private to the adapters (header-only, not installed).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>

namespace payintent::adapter_detail {

// How often a store runs a failed transaction again, and the base pause.
struct retry_policy {
  int max_retries = 3;
  std::chrono::milliseconds backoff{10};
};

// Sleeps uniform in [base, 2 * base] times 2^tries, capped at 1 s: exponential,
// and jittered so that writers that collided once do not collide again in
// lockstep.
inline void sleep_before_retry(int tries, std::chrono::milliseconds base_delay) noexcept {
  thread_local std::minstd_rand rng{static_cast<std::uint_fast32_t>(
      std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
      static_cast<std::size_t>(std::chrono::steady_clock::now().time_since_epoch().count()))};
  const auto base = std::max<std::int64_t>(base_delay.count(), 1);
  const auto scaled = std::min<std::int64_t>(base << std::min(tries, 16), 1000);
  std::uniform_int_distribution<std::int64_t> pick(scaled, 2 * scaled);
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(pick(rng), 1000)));
}

}  // namespace payintent::adapter_detail
