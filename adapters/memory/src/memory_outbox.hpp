// Internal to the memory store: its event outbox (events.hpp), one for the
// whole store under a mutex of its own, taken last (after a key shard and an
// intent shard). Events are numbered as they are installed, with their
// intent's change, so sequence order is commit order. Not installed.
#pragma once

#include "payintent/event_kit.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace payintent::memory_detail {

class memory_outbox {
 public:
  // Numbers and appends `events` (moved from), all or none: on
  // std::bad_alloc nothing is appended. Answers how many were appended.
  std::size_t append(std::vector<event_record>& events) {
    if (events.empty()) return 0;
    std::lock_guard lock(mutex_);
    const std::size_t before = events_.size();
    try {
      for (auto& e : events) {
        e.sequence = last_ + 1 + (events_.size() - before);
        events_.push_back(std::move(e));
      }
    } catch (...) {
      events_.resize(before);
      throw;
    }
    last_ += events.size();
    return events.size();
  }

  // Takes back the newest `n` events append appended (an install undone).
  void drop_newest(std::size_t n) noexcept {
    std::lock_guard lock(mutex_);
    events_.resize(events_.size() - n);
    last_ -= n;
  }

  std::vector<event_record> read(const event_query& q) {
    std::vector<event_record> out;
    std::lock_guard lock(mutex_);
    auto it = std::upper_bound(
        events_.begin(), events_.end(), q.after,
        [](std::uint64_t after, const event_record& e) { return after < e.sequence; });
    for (; it != events_.end() && out.size() < q.limit; ++it) {
      if (store_kit::asked_for(*it, q)) out.push_back(*it);
    }
    return out;
  }

  std::uint64_t position(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto it = consumers_.find(name);
    return it == consumers_.end() ? 0 : it->second;
  }

  std::uint64_t acknowledge(std::string_view name, std::uint64_t position) {
    std::lock_guard lock(mutex_);
    auto it = consumers_.find(name);
    if (it == consumers_.end()) it = consumers_.emplace(std::string(name), 0).first;
    it->second = std::max(it->second, position);
    return it->second;
  }

  std::size_t purge(std::int64_t created_before_ms, std::size_t limit) {
    std::lock_guard lock(mutex_);
    std::size_t purged = 0;
    while (purged < limit && !events_.empty() &&
           events_.front().created_at_ms < created_before_ms) {
      events_.pop_front();
      ++purged;
    }
    return purged;
  }

 private:
  std::mutex mutex_;
  std::deque<event_record> events_;  // in sequence order
  std::uint64_t last_ = 0;           // the newest sequence handed out
  std::map<std::string, std::uint64_t, std::less<>> consumers_;
};

}  // namespace payintent::memory_detail
