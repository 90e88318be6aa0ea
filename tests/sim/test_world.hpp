// A tiny single-threaded world for the sim parts' tests: a queue of
// (virtual time, sequence, task) run in order, and a seeded random source.
// `pause` just moves the clock on: the tests never need another task to run
// during one.
#pragma once

#include "sim_hooks.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <tuple>
#include <vector>

namespace payintent::sim::test {

class test_world {
 public:
  explicit test_world(std::uint64_t seed) : rng_(seed) {}
  test_world(const test_world&) = delete;
  test_world& operator=(const test_world&) = delete;

  // Hooks bound to this world, which must outlive them.
  sim_world_hooks hooks() {
    sim_world_hooks h;
    h.schedule = [this](std::chrono::milliseconds delay, std::function<void()> fn) {
      queue_.push({now_ + delay.count(), next_seq_++, std::move(fn)});
    };
    h.pause = [this](std::chrono::milliseconds delay) { now_ += delay.count(); };
    h.uniform = [this](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
    };
    h.now_ms = [this] { return now_; };
    return h;
  }

  std::int64_t now() const { return now_; }
  void advance(std::int64_t ms) { now_ += ms; }

  // Runs tasks due at or before `until` (virtual ms), in order.
  void run_until(std::int64_t until) {
    while (!queue_.empty() && queue_.top().at <= until) step();
    now_ = std::max(now_, until);
  }

  // Runs every task, including those the tasks schedule.
  void run() {
    while (!queue_.empty()) step();
  }

 private:
  struct task {
    std::int64_t at;
    std::uint64_t seq;
    std::function<void()> fn;
  };
  struct later {
    bool operator()(const task& a, const task& b) const {
      return std::tie(a.at, a.seq) > std::tie(b.at, b.seq);
    }
  };

  void step() {
    task t = queue_.top();
    queue_.pop();
    now_ = std::max(now_, t.at);
    t.fn();
  }

  std::int64_t now_ = 1'700'000'000'000;
  std::uint64_t next_seq_ = 0;
  std::mt19937_64 rng_;
  std::priority_queue<task, std::vector<task>, later> queue_;
};

}  // namespace payintent::sim::test
