// The group former both SQL stores commit through (adapters/common/
// write_group.hpp), on its own: many writers, several lanes, a runner that
// records what it was given. Every write runs once, in exactly one group,
// and is answered with its own result; no two groups share a lane at once.
#include "write_group.hpp"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <vector>

using namespace payintent;

namespace {

struct fake_connection {};
using member = adapter_detail::group_member<fake_connection>;

// Applies every member of a group, on the lane it was given, and checks the
// lane is not in use by another group meanwhile.
struct recording_runner {
  static constexpr std::size_t lanes = 3;
  std::array<std::atomic<int>, lanes> in_use{};
  std::atomic<int> lane_clashes{0};
  std::atomic<int> groups{0};
  std::atomic<std::size_t> largest{0};

  void run(std::span<member*> members, std::size_t lane) {
    REQUIRE(lane < lanes);
    if (in_use[lane].fetch_add(1) != 0) ++lane_clashes;
    ++groups;
    std::size_t seen = largest.load();
    while (members.size() > seen && !largest.compare_exchange_weak(seen, members.size())) {
    }
    fake_connection conn;
    for (member* m : members) {
      const auto r = m->apply(conn, 0);
      m->answer = r ? error_code{} : r.error();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // a commit
    in_use[lane].fetch_sub(1);
  }
};

}  // namespace

TEST_CASE("write_group: every write runs once in one group, answered its own result, lanes apart") {
  recording_runner runner;
  adapter_detail::write_group<fake_connection> group(
      {.max_size = 8, .max_wait = std::chrono::microseconds(100), .lanes = recording_runner::lanes},
      [&runner](std::span<member*> members, std::size_t lane) { runner.run(members, lane); });

  constexpr int threads = 16;
  constexpr int writes_each = 200;
  std::vector<std::atomic<int>> applied(threads * writes_each);
  std::atomic<int> wrong_answers{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < writes_each; ++i) {
        const int id = t * writes_each + i;
        // Every seventh write fails its own way; the rest answer their id.
        const auto r = group.write([&](fake_connection&, std::int64_t) -> result<int> {
          applied[static_cast<std::size_t>(id)].fetch_add(1);
          if (id % 7 == 0) return errc::version_conflict;
          return id;
        });
        const bool right =
            id % 7 == 0 ? (!r && r.error() == errc::version_conflict) : (r && r.value() == id);
        if (!right) ++wrong_answers;
      }
    });
  }
  for (auto& w : writers) w.join();

  int not_once = 0;
  for (const auto& a : applied) not_once += a.load() == 1 ? 0 : 1;
  CHECK(not_once == 0);
  CHECK(wrong_answers.load() == 0);
  CHECK(runner.lane_clashes.load() == 0);
  CHECK(runner.largest.load() <= 8);
  // Concurrency made groups: fewer groups than writes.
  CHECK(runner.groups.load() < threads * writes_each);
}
