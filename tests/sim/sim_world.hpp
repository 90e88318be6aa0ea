// payintent::sim — the simulated world: virtual time, one task at a time,
// every choice from one seed.
//
// A task is a real thread that runs only while it holds the baton. It gives
// the baton back to the scheduler whenever it waits in this world (a sleep,
// a condition, a store or network pause); the scheduler then picks the next
// task among those ready, uniformly with the seed's generator, and when none
// is ready moves virtual time on to the earliest wake-up. So a run is a
// function of its seed: the same seed, the same interleaving, the same ids.
//
// Tasks belong to instances (a simulated server, or 0 for the clients and the
// network). crash(i) stops instance i's tasks for good, wherever they are
// (kill -9); pause(i, d) holds them back for d (SIGSTOP). A crashed task's
// thread stays parked: run a world in a process that ends with it.
//
// Contract for code run in tasks: wait only through this world (the world
// interface, the hooks), never on a lock held across such a wait.
#pragma once

#include "payintent/world.hpp"
#include "sim_hooks.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

namespace payintent::sim {

// How a thread waits for the baton: a flag under a mutex. Unlike
// std::binary_semaphore it never spins (sched_yield) before sleeping: the
// thread it waits for is never running at that moment.
class baton_wait {
 public:
  void release() {
    {
      std::lock_guard lock(mutex_);
      ready_ = true;
    }
    cv_.notify_one();
  }
  void acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return ready_; });
    ready_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool ready_ = false;
};

class sim_world final : public world {
 public:
  static constexpr int outside = 0;  // the instance of clients and the network

  explicit sim_world(std::uint64_t seed);
  ~sim_world() override;  // leaks parked threads' tasks; see above
  sim_world(const sim_world&) = delete;
  sim_world& operator=(const sim_world&) = delete;

  // payintent::world, for the services under test.
  time_point now() override;
  std::int64_t unix_ms() override;
  void sleep_for(clock::duration d) override;
  void post(std::function<void()> job) override;  // a task of the caller's instance
  intent_id new_intent_id() override;
  std::unique_ptr<condition> make_condition() override;

  // Starts `fn` as a task of `instance` after `delay`. From the driver or a task.
  void spawn(int instance, std::function<void()> fn,
             clock::duration delay = clock::duration::zero());
  int current_instance() const noexcept;
  void crash(int instance);
  void pause(int instance, clock::duration d);
  bool alive(int instance) const;

  // The driver (the thread that made the world) runs tasks until virtual
  // time reaches `until` or no task is left to run.
  void run_until(time_point until);

  // Uniform integer in [lo, hi] from the seed.
  std::int64_t uniform(std::int64_t lo, std::int64_t hi);
  // The hooks for the simulator's components: schedule spawns an `outside`
  // task, pause sleeps the caller (zero still lets others run).
  sim_world_hooks hooks();
  // Every id new_intent_id handed out, in order.
  const std::vector<intent_id>& minted_ids() const noexcept { return minted_; }
  // Virtual milliseconds since the world began.
  std::int64_t elapsed_ms() const noexcept;

  struct task;
  class sim_condition;

 private:
  // The running task gives the baton up; returns when it is picked again.
  void yield_current();
  // With the baton held and no task running: runs the next task (moving
  // virtual time on to it if need be) and answers true, or answers false
  // when none may run before end_; the caller then wakes the driver.
  bool hand_over();
  struct worker;
  void start(task* t);
  [[noreturn]] void work(worker* w);
  void make_ready(task* t);
  bool eligible(const task* t) const;
  void wake_due();

  std::mt19937_64 random_;
  clock::duration elapsed_{};
  std::uint64_t next_seq_ = 0;
  std::vector<std::unique_ptr<task>> tasks_;  // every task ever made, for its address
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<worker*> idle_workers_;
  std::vector<task*> ready_;  // in the order they became ready
  std::multimap<std::pair<clock::duration, std::uint64_t>, task*> timed_;  // by wake-up
  std::map<int, clock::duration> paused_until_;
  std::vector<int> crashed_;
  std::vector<intent_id> minted_;
  task* current_ = nullptr;  // nullptr: the driver holds the baton
  clock::duration end_{};    // of the run_until in progress
  std::vector<std::size_t> candidates_;
  baton_wait driver_;
};

}  // namespace payintent::sim
