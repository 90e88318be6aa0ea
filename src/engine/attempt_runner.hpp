// Drives attempts through the card network and records their outcomes.
//
// The claim has already written the attempt in init under its fence; the
// runner calls authorize once, then records the outcome fenced: on the
// claiming thread when the network answers inline (before async_authorize
// returns), else on the service's pool, never on a network thread. It retries
// version conflicts and transient store errors. If it cannot record (the
// store stays away), the attempt keeps its init state and its lease expires:
// recovery reconciles it by lookup, never by a second authorize.
//
// Callers wait for an attempt through `await` (blocking) or `async_await`
// (timers, no thread parked), which meet an attempt in flight in this process
// directly and otherwise poll the store, so retries on other threads,
// services or processes learn the outcome the same way.
#pragma once

#include "engine/committer.hpp"
#include "engine/planner.hpp"
#include "engine/sharded_map.hpp"
#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/world.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace payintent::detail {

class attempt_runner {
 public:
  using clock = std::chrono::steady_clock;
  using awaited = std::function<void(result<payment_intent>)>;

  struct flight;
  struct waiter;
  // What dispatch hands its caller, so it meets its own attempt even when the
  // outcome was recorded before it started waiting.
  using ticket = std::shared_ptr<flight>;

  // `w` gives the time, sleeps and waits, and runs the recording of
  // outcomes answered off the dispatching thread; `pool` runs the async
  // waits' timers and store polls. `network_timeout` bounds each void or
  // lookup of a late outcome.
  attempt_runner(const committer& commits, card_network& network, write_context ctx, world& w,
                 boost::asio::any_io_executor pool, std::chrono::milliseconds network_timeout);
  ~attempt_runner();  // drain()

  // Sends attempt `number` of `intent` (as committed) and records its outcome
  // in the background.
  ticket dispatch(payment_intent&& intent, int number,
                  std::optional<three_ds_authentication> authentication = std::nullopt);

  // Waits until attempt `number` has left init or `deadline` passes, and
  // returns the intent as it is then, by the world's clock. `own` is the caller's ticket when it
  // dispatched the attempt; when authorize threw, that caller (only) gets
  // errc::card_network_error, with the reason in `diag`.
  result<payment_intent> await(const tenant_id& tenant, const intent_id& id, int number,
                               clock::time_point deadline, diagnostics* diag,
                               const ticket& own = nullptr);

  // As await, but calls `done` instead of blocking: from the thread that
  // recorded the outcome, or a pool thread at the deadline or after a poll.
  // An attempt in flight here is answered at the deadline with the intent as
  // its claim committed it (processing) without touching the store.
  void async_await(const tenant_id& tenant, const intent_id& id, int number,
                   clock::time_point deadline, diagnostics* diag, const ticket& own, awaited done);

  // Waits until every dispatched attempt has recorded its outcome.
  void drain();

 private:
  struct poller;

  // An attempt, as flights are registered: (intent, number) names it as its
  // reference does, without building the reference's text.
  struct attempt_name {
    intent_id intent;
    int number = 0;
    friend bool operator==(const attempt_name&, const attempt_name&) = default;
  };
  struct attempt_name_hash {
    std::size_t operator()(const attempt_name& a) const noexcept;
  };

  // Any shard's flight named (intent, number): a caller that did not
  // dispatch it (a duplicate, a replay) looks in every shard.
  std::shared_ptr<flight> find(const intent_id& intent, int number);
  void callback_threw(const std::shared_ptr<flight>& f, std::string why);
  void record(const std::shared_ptr<flight>& f, const network_outcome& outcome);
  void record_late(const payment_intent& current, const flight& f, const network_outcome& outcome);
  void finish(const std::shared_ptr<flight>& f, std::optional<payment_intent> final_intent);
  // A waiter whose flight finished: answers it, or polls the store when the
  // flight could not record.
  void resume(flight& f, const std::shared_ptr<waiter>& w);
  void poll(const tenant_id& tenant, const intent_id& id, int number, clock::time_point deadline,
            awaited done);

  const committer& commits_;
  idempotency_store& store_;
  card_network& network_;
  write_context ctx_;
  world& world_;
  boost::asio::any_io_executor pool_;
  std::chrono::milliseconds network_timeout_;

  // No flight registered and no network thread inside a post: what drain()
  // waits for (under idle_mutex_).
  bool idle();
  // After a flight is erased: wakes a drain() in progress; one load when
  // none is. Called by the threads a service call or its pool runs on,
  // which the service outlives.
  void wake_drain();
  // A network thread's post to the pool has returned.
  void posted();

  // Sharded by the dispatching thread (home_index), not by name: dispatch and
  // finish, on every charge, touch cache lines this thread alone writes, and
  // only find, for callers that did not dispatch, looks everywhere.
  sharded_map<attempt_name, std::shared_ptr<flight>, attempt_name_hash> flights_;
  // Network threads still inside a post to the pool: drain() waits for them
  // too, or the pool could be destroyed under a post that has not returned.
  // Flights count themselves by being registered in flights_, so a charge
  // whose outcome comes back inline touches no counter the cores share.
  std::atomic<std::size_t> posting_{0};
  std::atomic<int> draining_{0};  // drain() calls in progress
  std::mutex idle_mutex_;
  const std::unique_ptr<world::condition> idle_;
};

// True when attempt `number` of `intent` has left init (or is gone): what a
// waiter waits for.
bool attempt_settled(const payment_intent& intent, int number) noexcept;

// The pause before poll or retry `round`: 5 ms doubling, at most `cap`.
std::chrono::milliseconds backoff(int round, std::chrono::milliseconds cap) noexcept;

}  // namespace payintent::detail
