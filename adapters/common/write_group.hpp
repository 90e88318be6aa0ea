// Group commit for the SQL stores: the writes that queue in one process while
// a transaction is being committed share the next transaction, so N waiting
// writes cost one lock hand-off and one fsync instead of N. Private to the
// adapters (header-only, not installed).
//
// How a group runs (leader/follower, no thread of its own):
//  - A write joins the queue. If fewer than `lanes` groups are being formed
//    or run, it leads one: it takes a lane (for a store, a connection), up to
//    `max_size` queued writes (itself first), hands them to the store's
//    group runner, answers every member, and passes the lead to the oldest
//    write still queued. Every other write sleeps until it is answered or
//    made leader.
//  - The runner applies the members (one after another, or on PostgreSQL
//    side by side, members with overlapping footprints in order): a member
//    whose preconditions fail (mismatch, version_conflict, fenced_out) or
//    that errors is undone alone and gets its own answer; the others commit
//    (group_transaction.hpp).
//  - No member is answered before the group's COMMIT returned. A failed
//    BEGIN or COMMIT, or a transaction the database abandoned, fails every
//    member with that error: none acknowledged, none written.
//  - A leader waits up to `max_wait` for company only when the previous group
//    had some (the store is busy); on an idle store a write runs at once.
#pragma once

#include "payintent/error.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <semaphore>
#include <span>
#include <type_traits>
#include <vector>

namespace payintent::adapter_detail {

struct group_limits {
  std::size_t max_size = 64;              // members per transaction, at least 1
  std::chrono::microseconds max_wait{0};  // a leader's wait for company under load
  std::size_t lanes = 1;                  // groups run at once, at least 1
};

// The rows a write may change, for a store that runs a group's members side
// by side (PostgreSQL's staged groups): two members whose footprints
// overlap run one after the other. Each entry is a hash of a row's key
// (sql_store.hpp's row_hash); 0 is no entry. `anything`: not known, so the write
// overlaps every other.
struct write_footprint {
  std::array<std::uint64_t, 2> rows{};
  bool anything = true;

  bool overlaps(const write_footprint& other) const noexcept {
    if (anything || other.anything) return true;
    for (auto a : rows) {
      for (auto b : other.rows) {
        if (a != 0 && a == b) return true;
      }
    }
    return false;
  }
};

// One write in a group. `apply` runs as the member (group_transaction.hpp)
// with the store clock read for it, and stores its typed result where its caller
// reads it; the runner sets `answer`.
template <class Connection>
struct group_member {
  std::function<result<void>(Connection&, std::int64_t now_ms)> apply;
  error_code answer;
  write_footprint footprint;
};

template <class Connection>
class write_group {
 public:
  using member = group_member<Connection>;
  // Runs one group as one transaction on lane `lane` (in [0, lanes); no two
  // groups run on one lane at once) and sets every member's answer. Must not
  // throw.
  using runner = std::function<void(std::span<member*>, std::size_t lane)>;

  write_group(group_limits limits, runner run)
      : limits_{std::max<std::size_t>(limits.max_size, 1), limits.max_wait,
                std::max<std::size_t>(limits.lanes, 1)},
        run_(std::move(run)) {
    for (std::size_t lane = limits_.lanes; lane-- > 0;) free_lanes_.push_back(lane);
  }

  // submit() for a body answering result<T>: body(Connection&, now_ms)
  // runs as the member, and its value is answered once the group committed;
  // its own error, or the group's, otherwise. Never throws.
  // `footprint`: the rows the body may change. A body may run more than
  // once (a retry; a staged group runs it again for each round trip it
  // makes): only its last run's value counts.
  template <class F>
  auto write(F&& body, write_footprint footprint = {}) noexcept
      -> std::invoke_result_t<F&, Connection&, std::int64_t> {
    using out_t = std::invoke_result_t<F&, Connection&, std::int64_t>;
    try {
      std::optional<typename out_t::value_type> value;
      const error_code failed = submit(
          [&](Connection& conn, std::int64_t now_ms) -> result<void> {
            BOOST_OUTCOME_TRY(auto v, body(conn, now_ms));
            value = std::move(v);
            return outcome::success();
          },
          footprint);
      if (failed) return failed;
      return std::move(*value);
    } catch (...) {
      return errc::store_unavailable;
    }
  }

  // Queues `apply` and returns once its group has committed (success) or
  // failed (the error that failed it or this member). Thread-safe; blocks.
  error_code submit(std::function<result<void>(Connection&, std::int64_t)> apply,
                    write_footprint footprint = {}) {
    waiter self{{std::move(apply), {}, footprint}};
    std::unique_lock lock(mutex_);
    queue_.push_back(&self);
    if (leaders_ < limits_.lanes) {
      ++leaders_;
      self.leads = true;
    } else if (queue_.size() + 1 >= limits_.max_size) {
      // With a waiting leader (no longer queued), these make a full group.
      company_.notify_one();
    }
    if (!self.leads) {
      lock.unlock();
      self.wake.acquire();  // released once: answered, or made leader
      if (self.done) return self.answer;
      lock.lock();
    }
    lead(self, lock);
    return self.answer;
  }

 private:
  // A follower sleeps on its own semaphore, released outside the mutex so
  // that it wakes to run rather than to wait for the mutex. `done` and
  // `leads` are written before the release and read after the acquire.
  struct waiter : member {
    bool done = false;
    bool leads = false;  // made leader; stays queued until it wakes
    std::binary_semaphore wake{0};
  };

  // Called by a leader, with the lock held. Followers are the queued writes
  // not made leaders themselves.
  void lead(waiter& self, std::unique_lock<std::mutex>& lock) {
    std::erase(queue_, &self);
    std::vector<member*> group;
    try {
      group.reserve(limits_.max_size);  // the one allocation, before the queue changes
    } catch (...) {
      if (waiter* next = pass_lead()) next->wake.release();  // this write leaves unrun
      throw;
    }
    group.push_back(&self);
    if (limits_.max_wait.count() > 0 && last_group_size_ > 1 &&
        queue_.size() + 1 < limits_.max_size) {
      company_.wait_for(lock, limits_.max_wait,
                        [&] { return queue_.size() + 1 >= limits_.max_size; });
    }
    for (auto it = queue_.begin(); it != queue_.end() && group.size() < limits_.max_size;) {
      if ((*it)->leads) {
        ++it;
      } else {
        group.push_back(*it);
        it = queue_.erase(it);
      }
    }
    last_group_size_ = group.size();
    const std::size_t lane = free_lanes_.back();  // leaders_ <= lanes: one is free
    free_lanes_.pop_back();
    lock.unlock();
    run_(group, lane);
    // A follower's frame may end as soon as its semaphore is released: it
    // is touched no more after that. group[0] is the leader.
    for (std::size_t i = 1; i < group.size(); ++i) {
      auto* w = static_cast<waiter*>(group[i]);
      w->done = true;
      w->wake.release();
    }
    lock.lock();
    free_lanes_.push_back(lane);  // capacity reserved up front: cannot throw
    waiter* next = pass_lead();
    lock.unlock();
    if (next) next->wake.release();
  }

  // With the lock held, as a leader ends: the oldest queued write not yet a
  // leader is made leader of the next group (the caller releases it once the
  // lock is dropped), or there is one leader fewer.
  waiter* pass_lead() {
    for (waiter* w : queue_) {
      if (!w->leads) {
        w->leads = true;
        return w;
      }
    }
    --leaders_;
    return nullptr;
  }

  const group_limits limits_;
  const runner run_;
  std::mutex mutex_;
  std::condition_variable company_;
  std::deque<waiter*> queue_;
  std::vector<std::size_t> free_lanes_;
  std::size_t leaders_ = 0;  // writes made leaders, running or about to
  std::size_t last_group_size_ = 0;
};

}  // namespace payintent::adapter_detail
