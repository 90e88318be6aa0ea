#include "engine/attempt_runner.hpp"

#include "engine/flight.hpp"
#include "engine/late_outcome.hpp"
#include "engine/network_calls.hpp"
#include "engine/waits.hpp"
#include "payintent/detail/crash_point.hpp"
#include "payintent/store_kit.hpp"

#include <fmt/format.h>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/container_hash/hash.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

namespace payintent::detail {
namespace {

// Recording an outcome retries transient store errors on this schedule
// (about 3 s in all) before leaving the attempt to recovery.
constexpr int record_attempts = 12;
constexpr std::chrono::milliseconds record_backoff_cap{500};

const attempt* find_attempt(const payment_intent& intent, int number) {
  if (number < 1 || number > static_cast<int>(intent.attempts.size())) return nullptr;
  return &intent.attempts[static_cast<std::size_t>(number - 1)];
}

// The crash point right after a capture, release or refund is sent: SIGKILL
// there leaves the call made and its outcome unrecorded (tests/crash).
std::string_view follow_up_sent_point(attempt_kind kind) noexcept {
  switch (kind) {
    case attempt_kind::capture:
      return "capture.sent";
    case attempt_kind::release:
      return "release.sent";
    case attempt_kind::refund:
      return "refund.sent";
    case attempt_kind::authorization:
      break;
  }
  return "authorize.sent";
}

}  // namespace

std::chrono::milliseconds backoff(int round, std::chrono::milliseconds cap) noexcept {
  return std::min(cap, std::chrono::milliseconds(5) * (1 << std::min(round, 10)));
}

bool attempt_settled(const payment_intent& intent, int number) noexcept {
  const attempt* a = find_attempt(intent, number);
  return !a || a->state != attempt_state::init;
}

attempt_runner::attempt_runner(const committer& commits, card_network& network, write_context ctx,
                               world& w, boost::asio::any_io_executor pool,
                               std::chrono::milliseconds network_timeout)
    : commits_(commits),
      store_(commits.store()),
      network_(network),
      ctx_(std::move(ctx)),
      world_(w),
      pool_(std::move(pool)),
      network_timeout_(network_timeout),
      idle_(w.make_condition()) {
}

attempt_runner::~attempt_runner() {
  drain();
}

void attempt_runner::drain() {
  ++draining_;
  {
    std::unique_lock lock(idle_mutex_);
    wait_for_predicate(*idle_, lock, [&] { return idle(); });
  }
  --draining_;
}

bool attempt_runner::idle() {
  // Flights first: a flight is registered until its outcome is recorded,
  // and a network thread counts itself in `posting_` before it posts that
  // recording, so an empty registry with posting_ at zero is truly idle.
  bool none = true;
  flights_.for_each_shard([&](const auto& map) { none = none && map.empty(); });
  return none && posting_.load() == 0;
}

void attempt_runner::wake_drain() {
  // Sequentially consistent with drain's ++draining_ (Dekker): either this
  // sees the drainer, or the drainer's idle() sees the flight just erased.
  // The notice is sent under the mutex idle() is checked under, so it is
  // never lost between that check and the wait.
  if (draining_.load() == 0) return;
  std::lock_guard lock(idle_mutex_);
  idle_->notify_all();
}

void attempt_runner::posted() {
  // Under the mutex idle() is checked under: a drain() cannot see posting_
  // at zero, return, and let the runner be destroyed while this network
  // thread still touches it. Rare (outcomes that come back on a network
  // thread), so a plain lock is cheap enough.
  std::lock_guard lock(idle_mutex_);
  --posting_;
  idle_->notify_all();
}

attempt_runner::ticket attempt_runner::dispatch(
    payment_intent&& intent, int number, std::optional<three_ds_authentication> authentication) {
  if (!find_attempt(intent, number)) return nullptr;
  auto f = std::make_shared<flight>(world_);
  f->tenant = intent.tenant;
  f->intent = intent.id;
  f->number = number;
  f->dispatched = std::move(intent);
  const attempt* a = find_attempt(f->dispatched, number);
  f->fence = a->fence;
  {
    f->shard = flights_.home_index();
    auto& shard = flights_.at(f->shard);
    std::lock_guard lock(shard.mutex);
    shard.map.emplace(attempt_name{f->intent, number}, f);
  }

  // The handler may run inline, on a network thread, or never if the call
  // throws before taking it; `answered` makes sure exactly one path records.
  // An outcome handed over inline (on this thread, before the call returns)
  // is recorded here after the call, on the thread that claimed: no hop to
  // the pool, and never on a network thread.
  flight::handoff* h = &f->outcome_handoff;
  h->dispatcher = std::this_thread::get_id();
  auto on_outcome = [this, f](network_outcome outcome) {
    flight::handoff& handed = f->outcome_handoff;
    if (handed.answered.exchange(true)) return;
    crash_point("outcome.received");
    // Only the dispatching thread reads `dispatching`.
    if (std::this_thread::get_id() == handed.dispatcher && handed.dispatching) {
      handed.inline_outcome = std::move(outcome);
      return;
    }
    // Recording blocks on the store: on the world's threads (the
    // service's pool), never on the network's thread.
    ++posting_;
    world_.post([this, f, o = std::move(outcome)] { record(f, o); });
    posted();
  };
  const attempt_kind kind = a->kind;
  try {
    if (kind == attempt_kind::authorization) {
      authorization_request request{a->reference,        f->tenant, f->intent, number,
                                    f->dispatched.amount, a->payment_method,
                                    std::move(authentication)};
      // The handler's storage comes from asio's per-thread recycling cache,
      // not a fresh allocation per charge.
      network_.async_authorize(request,
                               boost::asio::bind_allocator(boost::asio::recycling_allocator<void>(),
                                                           std::move(on_outcome)));
      h->dispatching = false;
      crash_point("authorize.sent");
    } else {
      // A call the network does not make (not_supported) was never sent.
      send_follow_up(network_, follow_up_of(f->dispatched, *a),
                     [on = std::move(on_outcome)](error_code ec, network_outcome outcome) mutable {
                       if (ec) {
                         outcome = network_outcome::not_sent(
                             fmt::format("the card network cannot: {}", ec.message()));
                       }
                       on(std::move(outcome));
                     });
      h->dispatching = false;
      crash_point(follow_up_sent_point(kind));
    }
  } catch (const std::exception& e) {
    h->dispatching = false;
    if (!h->answered.exchange(true)) {
      callback_threw(f, fmt::format("card_network.{} threw: {}", call_name(kind), e.what()));
    }
  } catch (...) {
    h->dispatching = false;
    if (!h->answered.exchange(true)) {
      callback_threw(f, fmt::format("card_network.{} threw a non-standard exception",
                                    call_name(kind)));
    }
  }
  if (h->inline_outcome) record(f, *h->inline_outcome);
  return f;
}

void attempt_runner::callback_threw(const std::shared_ptr<flight>& f, std::string why) {
  {
    std::lock_guard lock(f->mutex);
    f->callback_failure = why;
  }
  // The request may have left before the throw: the outcome is unknown, and
  // recovery learns it by lookup.
  record(f, network_outcome::unknown(std::move(why)));
}

void attempt_runner::record(const std::shared_ptr<flight>& f, const network_outcome& outcome) {
  // The intent is usually as the claim left it, so the first try plans on
  // that snapshot; the store's fence and version checks catch any change, and
  // later tries reload.
  const payment_intent* current = &f->dispatched;
  std::optional<payment_intent> reloaded;
  for (int i = 0; i < record_attempts; ++i) {
    if (i > 0) {
      world_.sleep_for(backoff(i, record_backoff_cap));
      auto loaded = store_kit::guard([&] { return store_.load(f->tenant, f->intent); });
      if (!loaded) continue;
      if (!loaded.value()) break;  // the intent vanished: nothing to record against
      reloaded = std::move(*loaded.value());
      current = &*reloaded;
    }
    auto w = plan_outcome(*current, f->number, f->fence, outcome, ctx_);
    if (!w) {
      if (i == 0) continue;  // judge lateness on what the store holds, not the snapshot
      record_late(*current, *f, outcome);
      break;
    }
    auto after = commits_.commit(*current, std::move(*w));
    if (after) {
      crash_point("outcome.committed");
      return finish(f, std::move(after).value());
    }
    // version_conflict and fenced_out: reload and decide again; others: back off.
  }
  finish(f, std::nullopt);
}

void attempt_runner::record_late(const payment_intent& current, const flight& f,
                                 const network_outcome& outcome) {
  record_late_outcome({commits_, network_, ctx_, world_, network_timeout_, record_attempts},
                      current, f.number, f.fence, outcome);
}

void attempt_runner::finish(const std::shared_ptr<flight>& f,
                            std::optional<payment_intent> final_intent) {
  std::vector<std::shared_ptr<waiter>> waiters;
  {
    std::lock_guard lock(f->mutex);
    f->done = true;
    f->final_intent = std::move(final_intent);
    waiters.swap(f->waiters);
  }
  f->done_cv->notify_all();
  for (const auto& w : waiters) resume(*f, w);
  {
    auto& shard = flights_.at(f->shard);
    std::lock_guard lock(shard.mutex);
    shard.map.erase(attempt_name{f->intent, f->number});
  }
  wake_drain();
}

std::size_t attempt_runner::attempt_name_hash::operator()(const attempt_name& a) const noexcept {
  std::size_t seed = std::hash<intent_id>{}(a.intent);
  boost::hash_combine(seed, a.number);
  return seed;
}

std::shared_ptr<attempt_runner::flight> attempt_runner::find(const intent_id& intent, int number) {
  const attempt_name name{intent, number};
  std::shared_ptr<flight> found;
  flights_.for_each_shard([&](const auto& map) {
    if (found) return;
    if (auto it = map.find(name); it != map.end()) found = it->second;
  });
  return found;
}

}  // namespace payintent::detail
