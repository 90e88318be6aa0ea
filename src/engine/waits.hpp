// Waiting on a world's condition for a predicate, as std::condition_variable's
// predicate overloads do (world.hpp: its waits may return spuriously).
#pragma once

#include "payintent/world.hpp"

#include <mutex>

namespace payintent::detail {

template <class Predicate>
void wait_for_predicate(world::condition& c, std::unique_lock<std::mutex>& lock, Predicate ready) {
  while (!ready()) c.wait(lock);
}

// True when `ready` held before `deadline` by `w`'s clock.
template <class Predicate>
bool wait_for_predicate_until(world& w, world::condition& c, std::unique_lock<std::mutex>& lock,
                              world::time_point deadline, Predicate ready) {
  while (!ready()) {
    if (w.now() >= deadline) return ready();
    c.wait_until(lock, deadline);
  }
  return true;
}

}  // namespace payintent::detail
