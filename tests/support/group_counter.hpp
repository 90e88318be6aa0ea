// Counts the members a SQL store applies inside write groups of two or more
// (the crash point store.group_member_applied, adapters/common/
// group_transaction.hpp), for tests that form groups on purpose.
#pragma once

#include "payintent/testing/crash_points.hpp"

#include <atomic>
#include <string_view>

namespace payintent::store_test {

inline std::atomic<int> grouped_members{0};

inline void count_grouped(std::string_view point) noexcept {
  if (point == "store.group_member_applied") grouped_members.fetch_add(1);
}

// Counts while it lives (it owns the process's crash hook).
struct group_counter {
  group_counter() {
    grouped_members = 0;
    testing::set_crash_hook(&count_grouped);
  }
  ~group_counter() { testing::set_crash_hook(nullptr); }
  group_counter(const group_counter&) = delete;
  group_counter& operator=(const group_counter&) = delete;
  int members() const { return grouped_members.load(); }
};

}  // namespace payintent::store_test
