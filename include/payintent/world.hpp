// payintent — the world a payment_service runs in: its clock, how it sleeps
// and waits, where its background jobs run, and where new ids come from.
//
// A service takes every one of these from its world and from nowhere else
// (service_options::world). Default: the real world — the steady and system
// clocks, real threads, the service's own pool (store_threads) and the
// CSPRNG. A test or simulator supplies another, so that time, interleavings
// and ids are its to choose: tests/sim runs many services over virtual time,
// one thread of control at a time, and replays a run from its seed.
//
// What goes through the world: the synchronous operations (charge, confirm,
// cancel, authenticate, retrieve, ...) and everything they start — the
// waits for an attempt's outcome, the recording of outcomes, the backoffs
// of retries, the late-outcome and recovery paths of run_recovery. What does
// not: the async_ operations' timers and start_recovery's schedule, which
// run on Asio timers of the real steady clock; a world that is not the real
// one drives the synchronous operations and calls run_recovery itself.
//
// Thread safety: every member may be called from any thread the world runs
// the service on, concurrently.
#pragma once

#include "payintent/ids.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace payintent {

class world {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  // A condition variable of this world. Its waits may return spuriously:
  // callers wait in a loop on their own predicate.
  class condition {
   public:
    virtual ~condition() = default;
    // Releases `lock`, blocks until notified, reacquires `lock`.
    virtual void wait(std::unique_lock<std::mutex>& lock) = 0;
    // As wait(), or until now() reaches `deadline`.
    virtual void wait_until(std::unique_lock<std::mutex>& lock, time_point deadline) = 0;
    // Wakes every waiter. Callers notify with the waiters' mutex held or
    // after changing the state they wait on under it.
    virtual void notify_all() = 0;
  };

  virtual ~world() = default;

  // Monotonic time: deadlines, wait budgets, backoffs. Never goes back.
  virtual time_point now() = 0;
  // Wall-clock milliseconds since the Unix epoch: the time in new intent ids.
  virtual std::int64_t unix_ms() = 0;
  // Blocks the caller for `d` of this world's time.
  virtual void sleep_for(clock::duration d) = 0;
  // Runs `job` soon on another thread of control of this world, never
  // inline. The service counts its jobs itself and never posts after its
  // shutdown() returned.
  virtual void post(std::function<void()> job) = 0;
  // A new intent id (ids.hpp): creation time first, then random characters.
  // The real world's are unguessable; a simulated world's follow its seed.
  virtual intent_id new_intent_id() = 0;
  virtual std::unique_ptr<condition> make_condition() = 0;

 protected:
  world() = default;
  world(const world&) = default;
  world& operator=(const world&) = default;
};

}  // namespace payintent
