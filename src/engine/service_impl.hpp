// The payment service's engine room, shared by payment_service.cpp
// (admissions, reads, recovery) and operations.cpp (the operations, sync and
// async).
#pragma once

#include "engine/activity.hpp"
#include "engine/attempt_runner.hpp"
#include "engine/coalescer.hpp"
#include "engine/committer.hpp"
#include "engine/mutation.hpp"
#include "engine/planner.hpp"
#include "engine/reconciler.hpp"
#include "engine/recovery_loop.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/store_kit.hpp"

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace payintent {

struct payment_service::impl {
  using steady = std::chrono::steady_clock;
  using answered = std::function<void(result<payment_response>)>;

  impl(idempotency_store& s, card_network& n, service_options o);
  // shutdown(), then joins the pool (the waits' timers and polls).
  ~impl();

  // payment_service::shutdown: closes `calls`, stops recovery, then waits for
  // calls, async operations, pool jobs and attempts in flight, in that order
  // (each may start the next). From a pool thread it only closes and stops:
  // the wait would include itself.
  void shutdown() noexcept;
  // A call's entry: counted until the scope ends, or errc::shutting_down.
  result<detail::activity::scope> enter(diagnostics* diag);

  // A prepared mutation, run for a synchronous call: admitted, then answered.
  result<payment_response> run(detail::prepared_mutation m, diagnostics* diag);
  // The same for an async_ operation; `done` gets the answer.
  void start(detail::prepared_mutation m, diagnostics* diag, answered done);

  // Admits `m`: load (reconciled), decide, the store's claim of the key with
  // the write; dispatches the attempt it started. Blocks on the store.
  detail::admission admit(const detail::mutation& m);
  // admit(), shared with concurrent duplicates (coalescer.hpp). `then` gets
  // this caller's admission: inline when `async` is false, else on the pool.
  void admit_shared(const std::shared_ptr<const detail::mutation>& m, bool async,
                    std::function<void(detail::admission)> then);
  // From an admission to the caller's answer, waiting for its attempt until `deadline`:
  // blocking, or calling `done` without blocking.
  result<payment_response> answer(detail::admission o, steady::time_point deadline,
                                  diagnostics* diag);
  void answer_async(detail::admission o, steady::time_point deadline, diagnostics* diag,
                    answered done);

  result<detail::admitted> replay(const key_record& existing, const detail::mutation& m,
                                      diagnostics* diag);
  result<payment_intent> load(const tenant_id& tenant, const intent_id& id, diagnostics* diag);
  result<payment_intent> load_reconciled(const tenant_id& tenant, const intent_id& id,
                                         diagnostics* diag);
  // Ends `intent`'s 3-D Secure challenge if it outlived
  // options.challenge_expiry, leaving `intent` as the store holds it after;
  // true when this call ended it.
  result<bool> expire_challenge(payment_intent& intent, diagnostics* diag);
  // Recovery's share of challenge expiry: intents idle in requires_action
  // longer than the expiry, as the store lists them.
  void expire_challenges(std::size_t limit, recovery_report& report);
  // One expiry sweep of a recovery pass: `list(cutoff)` lists what waited
  // since before store time now - `window`, and `expire(listed)` ends each,
  // answering true when this pass ended it (counted in `expired`). A store
  // that cannot list (not_supported) has nothing swept; other errors count
  // in report.errors, a listed intent gone (not_found) does not.
  template <class List, class Expire>
  void sweep(std::chrono::milliseconds window, List list, Expire expire, std::size_t& expired,
             recovery_report& report) {
    auto now = store_kit::guard([&] { return store.now_ms(); });
    if (!now) {
      ++report.errors;
      return;
    }
    auto listed = store_kit::guard([&] { return list(now.value() - window.count()); });
    if (!listed) {
      if (listed.error() != errc::not_supported) ++report.errors;
      return;
    }
    for (const auto& item : listed.value()) {
      auto ended = expire(item);
      if (!ended) {
        if (ended.error() != errc::not_found) ++report.errors;
      } else if (ended.value()) {
        ++expired;
      }
    }
  }
  // Recovery's share of authorization expiry: the holds the store lists as
  // authorized longer than options.authorization_expiry ago are released
  // (plan_hold_expired), their release attempt dispatched like a cancel's.
  void expire_holds(std::size_t limit, recovery_report& report);
  // Starts the release of `held`'s hold if it is still in requires_capture
  // and past the expiry by the store clock; true when this call started it.
  result<bool> expire_hold(const requires_capture_intent& held);

  // Runs `job` on the world (the pool, in the real one), counted so the
  // destructor can wait for it.
  void post(std::function<void()> job);

  const service_options options;
  boost::asio::thread_pool pool;                  // joined by ~impl before any member is destroyed
  const std::shared_ptr<payintent::world> world;  // options.world, or the real one on `pool`

  // Before what counts itself in them.
  detail::activity calls{*world};       // public calls inside the library; closed by shutdown
  detail::activity operations{*world};  // async_ operations whose handler is not yet handed over
  detail::activity jobs{*world};        // posted to the world and not yet finished
  std::mutex shutdown_mutex;            // one shutdown's waits at a time

  idempotency_store& store;
  const detail::write_context ctx;
  const detail::committer commits;
  detail::attempt_runner runner;
  detail::reconciler reconciler;
  detail::coalescer coalesce;
  detail::recovery_loop loop;
};

}  // namespace payintent
