#include "transaction.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <thread>

namespace payintent::sqlite_detail {

result<std::int64_t> transaction_runner::now() noexcept {
  try {
    return clock_();
  } catch (...) {
    return errc::store_unavailable;
  }
}

void transaction_runner::sleep_before_retry(int tries) noexcept {
  // Exponential, capped, and jittered so that processes that collided once
  // do not collide again in lockstep.
  thread_local std::minstd_rand rng{static_cast<std::uint_fast32_t>(
      std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
      static_cast<std::size_t>(std::chrono::steady_clock::now().time_since_epoch().count()))};
  const auto base = std::max<std::int64_t>(policy_.backoff.count(), 1);
  const auto scaled = std::min<std::int64_t>(base << std::min(tries, 16), 1000);
  std::uniform_int_distribution<std::int64_t> pick(scaled, 2 * scaled);
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(pick(rng), 1000)));
}

}  // namespace payintent::sqlite_detail
