// Waiting for an attempt's outcome: blocking (await) and with timers
// (async_await). Both meet a flight of this process directly, else poll the
// store with the same backoff.
#include "engine/attempt_runner.hpp"

#include "engine/flight.hpp"
#include "engine/store_failure.hpp"
#include "engine/waits.hpp"
#include "payintent/store_kit.hpp"

#include <boost/asio/post.hpp>

#include <utility>

namespace payintent::detail {
namespace {

constexpr std::chrono::milliseconds poll_backoff_cap{100};

result<payment_intent> own_failure(const std::string& why, diagnostics* diag) {
  if (diag) diag->message = why;
  return make_error_code(errc::card_network_error);
}

}  // namespace

result<payment_intent> attempt_runner::await(const tenant_id& tenant, const intent_id& id,
                                             int number, clock::time_point deadline,
                                             diagnostics* diag, const ticket& own) {
  if (auto f = own ? own : find(id, number)) {
    std::unique_lock lock(f->mutex);
    // Another caller's flight that had already finished is not waited on:
    // its snapshot may predate later writes (a reconcile), the store has them.
    const bool finished_before = f != own && f->done;
    wait_for_predicate_until(world_, *f->done_cv, lock, deadline, [&] { return f->done; });
    if (f == own && !f->callback_failure.empty()) return own_failure(f->callback_failure, diag);
    if (f->done && f->final_intent && !finished_before) {
      // The dispatcher takes the outcome rather than copying it; a caller
      // after it finds none here and reads the store, which holds the same.
      if (f == own) {
        result<payment_intent> taken(std::move(*f->final_intent));
        f->final_intent.reset();
        return taken;
      }
      return *f->final_intent;
    }
  }
  for (int i = 0;; ++i) {
    auto loaded = store_kit::guard([&] { return store_.load(tenant, id); });
    if (!loaded) return store_failure(loaded.error(), diag);
    if (!loaded.value()) return make_error_code(errc::not_found);
    payment_intent& intent = *loaded.value();
    const auto now = world_.now();
    if (attempt_settled(intent, number) || now >= deadline) return std::move(intent);
    world_.sleep_for(std::min<clock::duration>(backoff(i, poll_backoff_cap), deadline - now));
  }
}

void attempt_runner::async_await(const tenant_id& tenant, const intent_id& id, int number,
                                 clock::time_point deadline, diagnostics* diag, const ticket& own,
                                 awaited done) {
  auto f = own ? own : find(id, number);
  if (f && f != own) {
    // Another caller's flight that had already finished is not waited on:
    // its snapshot may predate later writes (a reconcile), the store has them.
    std::lock_guard lock(f->mutex);
    if (f->done) f = nullptr;
  }
  if (!f) return poll(tenant, id, number, deadline, std::move(done));

  auto w = std::make_shared<waiter>(pool_, deadline);
  w->tenant = tenant;
  w->id = id;
  w->number = number;
  w->deadline = deadline;
  w->diag = diag;
  w->own = f == own;
  w->done = std::move(done);
  w->on = f;
  {
    std::lock_guard lock(f->mutex);
    if (!f->done) {
      f->waiters.push_back(w);
      boost::asio::post(w->strand, [w] {
        if (w->answered) return;
        w->timer.async_wait([w](error_code ec) {
          // At the deadline the attempt is still in flight: the store holds
          // what its claim committed, and so does the snapshot.
          if (!ec && w->try_answer()) w->done(w->on->dispatched);
        });
      });
      return;
    }
  }
  resume(*f, w);
}

void attempt_runner::resume(flight& f, const std::shared_ptr<waiter>& w) {
  if (!w->try_answer()) return;  // the deadline answered it
  boost::asio::post(w->strand, [w] { w->timer.cancel(); });
  std::optional<payment_intent> final_intent;
  std::string failure;
  {
    std::lock_guard lock(f.mutex);
    // As in await: the dispatcher takes it, others copy it.
    final_intent = w->own ? std::exchange(f.final_intent, std::nullopt) : f.final_intent;
    failure = f.callback_failure;
  }
  if (w->own && !failure.empty()) return w->done(own_failure(failure, w->diag));
  if (final_intent) return w->done(std::move(*final_intent));
  // The flight could not record its outcome: learn it from the store.
  poll(w->tenant, w->id, w->number, w->deadline, std::move(w->done));
}

// Loads the intent on the pool until the attempt settles or the deadline
// passes, pausing between loads on a timer.
struct attempt_runner::poller : std::enable_shared_from_this<poller> {
  poller(attempt_runner& r, const boost::asio::any_io_executor& pool) : runner(r), timer(pool) {}

  void step() {
    auto loaded = store_kit::guard([&] { return runner.store_.load(tenant, id); });
    if (!loaded) return done(store_failure(loaded.error(), nullptr));
    if (!loaded.value()) return done(make_error_code(errc::not_found));
    const auto now = runner.world_.now();
    if (attempt_settled(*loaded.value(), number) || now >= deadline) {
      return done(std::move(*loaded.value()));
    }
    timer.expires_after(
        std::min<clock::duration>(backoff(round++, poll_backoff_cap), deadline - now));
    timer.async_wait([self = shared_from_this()](error_code) { self->step(); });
  }

  attempt_runner& runner;
  boost::asio::steady_timer timer;
  tenant_id tenant;
  intent_id id;
  int number = 0;
  clock::time_point deadline;
  awaited done;
  int round = 0;
};

void attempt_runner::poll(const tenant_id& tenant, const intent_id& id, int number,
                          clock::time_point deadline, awaited done) {
  auto p = std::make_shared<poller>(*this, pool_);
  p->tenant = tenant;
  p->id = id;
  p->number = number;
  p->deadline = deadline;
  p->done = std::move(done);
  boost::asio::post(pool_, [p] { p->step(); });
}

}  // namespace payintent::detail
