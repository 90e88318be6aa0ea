// Group commit for the SQL stores: the writes that queue in one process while
// a transaction is being committed share the next transaction, so N waiting
// writes cost one lock hand-off and one fsync instead of N. Private to the
// adapters (header-only, not installed).
//
// How a group runs (leader/follower, no thread of its own):
//  - A write joins the queue. If no group is being formed or run, it leads:
//    it takes up to `max_size` queued writes (itself first), hands them to the
//    store's group runner, answers every member, and passes the lead to the
//    oldest write still queued. Every other write sleeps until it is answered
//    or made leader.
//  - The runner applies each member inside its own savepoint: a member whose
//    preconditions fail (mismatch, version_conflict, fenced_out) or that
//    errors rolls back alone and gets its own answer; the others commit.
//  - No member is answered before the group's COMMIT returned. A failed
//    BEGIN or COMMIT, or a transaction the database abandoned, fails every
//    member with that error: none acknowledged, none written.
//  - A leader waits up to `max_wait` for company only when the previous group
//    had some (the store is busy); on an idle store a write runs at once.
#pragma once

#include "payintent/error.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

namespace payintent::adapter_detail {

struct group_limits {
  std::size_t max_size = 64;              // members per transaction, at least 1
  std::chrono::microseconds max_wait{0};  // a leader's wait for company under load
};

// One write in a group. `apply` runs inside the member's savepoint with the
// store clock read for it, and stores its typed result where its caller
// reads it; the runner sets `answer`.
template <class Connection>
struct group_member {
  std::function<result<void>(Connection&, std::int64_t now_ms)> apply;
  error_code answer;
};

template <class Connection>
class write_group {
 public:
  using member = group_member<Connection>;
  // Runs one group as one transaction and sets every member's answer. Must
  // not throw.
  using runner = std::function<void(std::span<member*>)>;

  write_group(group_limits limits, runner run)
      : limits_{std::max<std::size_t>(limits.max_size, 1), limits.max_wait}, run_(std::move(run)) {}

  // Queues `apply` and returns once its group has committed (success) or
  // failed (the error that failed it or this member). Thread-safe; blocks.
  error_code submit(std::function<result<void>(Connection&, std::int64_t)> apply) {
    waiter self{{std::move(apply), {}}};
    std::unique_lock lock(mutex_);
    queue_.push_back(&self);
    if (!leading_) {
      leading_ = true;
      self.leads = true;
    } else if (queue_.size() >= limits_.max_size) {
      company_.notify_one();  // a leader waiting for company has enough
    }
    self.wake.wait(lock, [&] { return self.done || self.leads; });
    if (self.done) return self.answer;
    lead(lock);
    return self.answer;
  }

 private:
  struct waiter : member {
    bool done = false;
    bool leads = false;
    std::condition_variable wake;
  };

  // Called by the leader, which is queue_.front(), with the lock held.
  void lead(std::unique_lock<std::mutex>& lock) {
    std::vector<member*> group;
    try {
      group.reserve(limits_.max_size);  // the one allocation, before the queue changes
    } catch (...) {
      queue_.pop_front();  // this write leaves unrun; the next one leads
      pass_lead();
      throw;
    }
    if (limits_.max_wait.count() > 0 && last_group_size_ > 1 && queue_.size() < limits_.max_size) {
      company_.wait_for(lock, limits_.max_wait, [&] { return queue_.size() >= limits_.max_size; });
    }
    const std::size_t n = std::min(queue_.size(), limits_.max_size);
    group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    last_group_size_ = n;
    lock.unlock();
    run_(group);
    lock.lock();
    // A waiter returns (and its frame ends) only after the lock is released,
    // so it is safe to touch each one until then. group[0] is the leader.
    for (std::size_t i = 1; i < group.size(); ++i) {
      auto* w = static_cast<waiter*>(group[i]);
      w->done = true;
      w->wake.notify_one();
    }
    pass_lead();
  }

  // With the lock held: the oldest queued write leads the next group.
  void pass_lead() {
    if (queue_.empty()) {
      leading_ = false;
    } else {
      queue_.front()->leads = true;
      queue_.front()->wake.notify_one();
    }
  }

  const group_limits limits_;
  const runner run_;
  std::mutex mutex_;
  std::condition_variable company_;
  std::deque<waiter*> queue_;
  bool leading_ = false;
  std::size_t last_group_size_ = 0;
};

}  // namespace payintent::adapter_detail
