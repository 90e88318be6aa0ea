// Counts work in progress of one kind (calls, async operations, pool jobs)
// so that shutdown can wait for it to end, and closes the door to more.
// Beginning and ending cost one atomic each; only a waiter takes the mutex.
#pragma once

#include "engine/waits.hpp"
#include "payintent/world.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

namespace payintent::detail {

class activity {
 public:
  explicit activity(world& w) : idle_(w.make_condition()) {}

  // Holds one unit of the activity until destroyed.
  class scope {
   public:
    scope() = default;
    explicit scope(activity* a) : a_(a) {}
    scope(scope&& o) noexcept : a_(std::exchange(o.a_, nullptr)) {}
    scope& operator=(scope&&) = delete;
    ~scope() {
      if (a_) a_->end();
    }

   private:
    activity* a_ = nullptr;
  };

  void begin() noexcept { count_.fetch_add(1); }
  void end() noexcept {
    // Sequentially consistent with wait_idle's announcement (Dekker): either
    // this sees the waiter, or the waiter's check sees this end.
    if (count_.fetch_sub(1) == 1 && waiting_.load() > 0) {
      std::lock_guard lock(mutex_);
      idle_->notify_all();
    }
  }
  // begin(), unless close() was called: then nothing is counted.
  bool try_begin() noexcept {
    begin();
    if (!closed_.load()) return true;
    end();
    return false;
  }
  void close() noexcept { closed_.store(true); }
  bool closed() const noexcept { return closed_.load(); }

  // Blocks until nothing is in progress.
  void wait_idle() {
    ++waiting_;
    {
      std::unique_lock lock(mutex_);
      wait_for_predicate(*idle_, lock, [&] { return count_.load() == 0; });
    }
    --waiting_;
  }

 private:
  std::atomic<std::size_t> count_{0};
  std::atomic<int> waiting_{0};
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  const std::unique_ptr<world::condition> idle_;
};

}  // namespace payintent::detail
