// An attempt in flight in this process, and the asynchronous callers waiting
// for it (shared by attempt_runner.cpp and attempt_wait.cpp).
#pragma once

#include "engine/attempt_runner.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <optional>
#include <thread>

namespace payintent::detail {

struct attempt_runner::flight {
  explicit flight(world& w) : done_cv(w.make_condition()) {}

  tenant_id tenant;
  intent_id intent;
  int number = 0;
  std::uint64_t fence = 0;
  std::size_t shard = 0;  // where in flights_ it is registered
  // As committed by the claim: the first guess of "current" when recording,
  // and what a waiter answers at its deadline. Never changed after dispatch.
  payment_intent dispatched;

  // How authorize's handler reaches dispatch: exactly one answer, and
  // whether it arrived inline (on the dispatching thread, before
  // async_authorize returned).
  struct handoff {
    std::atomic<bool> answered{false};
    std::thread::id dispatcher;
    bool dispatching = true;  // until async_authorize returns; read by the dispatcher only
    std::optional<network_outcome> inline_outcome;
  };
  handoff outcome_handoff;

  std::mutex mutex;  // guards what follows
  const std::unique_ptr<world::condition> done_cv;
  bool done = false;
  std::optional<payment_intent> final_intent;    // when recorded by this flight, until
                                                 // the dispatcher's own wait takes it
  std::string callback_failure;                  // authorize threw: why
  std::vector<std::shared_ptr<waiter>> waiters;  // async waits, answered by finish
};

// One async_await on a flight: answered once, by the flight's end or by its
// deadline timer, whichever comes first. The timer lives on a strand, so
// arming and cancelling it from different threads never race.
struct attempt_runner::waiter {
  waiter(const boost::asio::any_io_executor& pool, clock::time_point at)
      : strand(boost::asio::make_strand(pool)), timer(strand, at) {}

  // True for the one caller allowed to answer.
  bool try_answer() noexcept { return !answered.exchange(true); }

  tenant_id tenant;
  intent_id id;
  int number = 0;
  clock::time_point deadline;
  diagnostics* diag = nullptr;
  bool own = false;  // the dispatcher's own wait: told when authorize threw
  awaited done;
  std::shared_ptr<const flight> on;  // for the snapshot at the deadline

  boost::asio::strand<boost::asio::any_io_executor> strand;
  boost::asio::steady_timer timer;  // touched only on `strand`
  std::atomic<bool> answered{false};
};

}  // namespace payintent::detail
