#include "engine/attempt_runner.hpp"

#include "engine/crash_point.hpp"
#include "engine/guarded.hpp"

#include <fmt/format.h>

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
constexpr std::chrono::milliseconds poll_backoff_cap{100};

std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds cap) {
  return std::min(cap, std::chrono::milliseconds(5) * (1 << std::min(attempt, 10)));
}

const attempt* find_attempt(const payment_intent& intent, int number) {
  if (number < 1 || number > static_cast<int>(intent.attempts.size())) return nullptr;
  return &intent.attempts[static_cast<std::size_t>(number - 1)];
}

}  // namespace

struct attempt_runner::flight {
  tenant_id tenant;
  intent_id intent;
  int number = 0;
  std::uint64_t fence = 0;
  std::string reference;

  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::optional<payment_intent> final_intent;  // when recorded by this flight
  payment_intent dispatched;  // as committed by the claim: the first guess of "current"
  std::string callback_failure;                // authorize threw: why
};

attempt_runner::attempt_runner(idempotency_store& store, card_network& network,
                               write_context ctx)
    : store_(store), network_(network), ctx_(std::move(ctx)) {}

attempt_runner::~attempt_runner() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return flights_.empty(); });
}

attempt_runner::ticket attempt_runner::dispatch(
    const payment_intent& intent, int number,
    std::optional<three_ds_authentication> authentication) {
  const attempt* a = find_attempt(intent, number);
  if (!a) return nullptr;
  auto f = std::make_shared<flight>();
  f->tenant = intent.tenant;
  f->intent = intent.id;
  f->number = number;
  f->fence = a->fence;
  f->reference = a->reference;
  f->dispatched = intent;
  {
    std::lock_guard lock(mutex_);
    flights_.emplace(f->reference, f);
  }

  authorization_request request{a->reference,      intent.tenant,     intent.id, number,
                                intent.amount,     a->payment_method, std::move(authentication)};
  // The handler may run inline, on a network thread, or never if authorize
  // throws before taking it; `answered` makes sure exactly one path records.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  try {
    network_.async_authorize(request, [this, f, answered](const network_outcome& outcome) {
      if (answered->exchange(true)) return;
      crash_point("outcome.received");
      record(f, outcome);
    });
    crash_point("authorize.sent");
  } catch (const std::exception& e) {
    if (!answered->exchange(true)) {
      callback_threw(f, fmt::format("card_network.async_authorize threw: {}", e.what()));
    }
  } catch (...) {
    if (!answered->exchange(true)) {
      callback_threw(f, "card_network.async_authorize threw a non-standard exception");
    }
  }
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
  std::optional<payment_intent> current = std::move(f->dispatched);
  for (int i = 0; i < record_attempts; ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(backoff(i, record_backoff_cap));
      auto loaded = guarded([&] { return store_.load(f->tenant, f->intent); });
      if (!loaded) continue;
      if (!loaded.value()) break;  // the intent vanished: nothing to record against
      current = std::move(*loaded.value());
    }
    auto w = plan_outcome(*current, f->number, f->fence, outcome, ctx_);
    if (!w) {
      if (i == 0) continue;  // judge lateness on what the store holds, not the snapshot
      record_late(*current, *f, outcome);
      break;
    }
    auto receipt = guarded([&] { return store_.commit(*w); });
    if (receipt) {
      crash_point("outcome.committed");
      return finish(f, after_write(&*current, *w, receipt.value()));
    }
    // version_conflict and fenced_out: reload and decide again; others: back off.
  }
  finish(f, std::nullopt);
}

void attempt_runner::record_late(const payment_intent& current, const flight& f,
                                 const network_outcome& outcome) {
  const attempt* now = find_attempt(current, f.number);
  // Money the current holder already adopted is accounted for: only audit it.
  const bool must_void = money_may_have_moved(outcome.kind) && now &&
                         now->state != attempt_state::authorized;
  for (int i = 0; i < record_attempts; ++i) {
    auto loaded = i == 0 ? result<std::optional<payment_intent>>(current)
                         : guarded([&] { return store_.load(f.tenant, f.intent); });
    if (!loaded || !loaded.value()) continue;
    auto w = plan_late_outcome(*loaded.value(), f.number, f.fence, outcome, ctx_);
    if (guarded([&] { return store_.commit(w); })) break;
  }
  if (must_void) {
    try {
      network_.async_void(f.reference, [](error_code) {});
    } catch (...) {
      // Recovery voids unresolved references again; nothing more to do here.
    }
  }
}

void attempt_runner::finish(const std::shared_ptr<flight>& f,
                            std::optional<payment_intent> final_intent) {
  {
    std::lock_guard lock(f->mutex);
    f->done = true;
    f->final_intent = std::move(final_intent);
  }
  f->done_cv.notify_all();
  std::lock_guard lock(mutex_);
  flights_.erase(f->reference);
  if (flights_.empty()) idle_.notify_all();
}

std::shared_ptr<attempt_runner::flight> attempt_runner::find(const std::string& reference) {
  std::lock_guard lock(mutex_);
  auto it = flights_.find(reference);
  return it == flights_.end() ? nullptr : it->second;
}

result<payment_intent> attempt_runner::await(const tenant_id& tenant, const intent_id& id,
                                             int number, clock::time_point deadline,
                                             diagnostics* diag, const ticket& own) {
  if (auto f = own ? own : find(attempt_reference(id, number))) {
    std::unique_lock lock(f->mutex);
    f->done_cv.wait_until(lock, deadline, [&] { return f->done; });
    if (f == own && !f->callback_failure.empty()) {
      if (diag) diag->message = f->callback_failure;
      return make_error_code(errc::card_network_error);
    }
    if (f->done && f->final_intent) return *f->final_intent;
  }
  for (int i = 0;; ++i) {
    auto loaded = guarded([&] { return store_.load(tenant, id); });
    if (!loaded) return loaded.error();
    if (!loaded.value()) return make_error_code(errc::not_found);
    payment_intent& intent = *loaded.value();
    const attempt* a = find_attempt(intent, number);
    const auto now = clock::now();
    if (!a || a->state != attempt_state::init || now >= deadline) return std::move(intent);
    std::this_thread::sleep_for(std::min<clock::duration>(backoff(i, poll_backoff_cap),
                                                          deadline - now));
  }
}

}  // namespace payintent::detail
