#include "engine/reconciler.hpp"

#include "engine/network_calls.hpp"
#include "payintent/detail/crash_point.hpp"
#include "payintent/store_kit.hpp"
#include "payintent/testing/broken_rules.hpp"

#include <algorithm>

namespace payintent::detail {
namespace {

const attempt* attempt_of(const payment_intent& intent, int number) {
  if (number < 1 || number > static_cast<int>(intent.attempts.size())) return nullptr;
  return &intent.attempts[static_cast<std::size_t>(number - 1)];
}

bool lost_race(const error_code& ec) {
  return ec == errc::version_conflict || ec == errc::fenced_out;
}

}  // namespace

reconciler::reconciler(const committer& commits, card_network& network, write_context ctx, world& w,
                       recovery_policy policy)
    : commits_(commits),
      store_(commits.store()),
      network_(network),
      ctx_(std::move(ctx)),
      world_(w),
      policy_(std::move(policy)) {
}

bool reconciler::needs_reconciling(const payment_intent& intent, std::int64_t now_ms) noexcept {
  const attempt* a = intent.latest_attempt();
  return a && needs_reconciling(intent, *a, now_ms);
}

bool reconciler::needs_reconciling(const payment_intent& intent, const attempt& a,
                                   std::int64_t now_ms) noexcept {
  if (!is_unresolved(a.state) || a.lease_expires_at_ms > now_ms) return false;
  // Refunds run side by side, so any of them may be the one to settle; the
  // other kinds hold the intent, and only its latest attempt can be open.
  if (a.kind == attempt_kind::refund) return true;
  return &a == intent.latest_attempt() && intent.status != intent_status::requires_review;
}

result<verdict> reconciler::reconcile(const tenant_id& tenant, const intent_id& id, int number,
                                      std::string* why) {
  BOOST_OUTCOME_TRY(auto loaded, store_kit::guard([&] { return store_.load(tenant, id); }));
  if (!loaded) return verdict::skipped;
  const attempt* a = attempt_of(*loaded, number);
  BOOST_OUTCOME_TRY(auto now, store_kit::guard([&] { return store_.now_ms(); }));
  if (!a || !needs_reconciling(*loaded, *a, now)) return verdict::skipped;
  // The store checks the lease again, by its own clock, in the same
  // transaction: of two recoverers racing here only one gets the new fence.
  intent_write takeover = plan_takeover(*loaded, number, ctx_);
  const std::uint64_t fence = takeover.attempt->value.fence;
  auto taken = commits_.commit(*loaded, std::move(takeover));
  if (!taken) {
    if (lost_race(taken.error())) return verdict::skipped;
    return taken.error();
  }
  crash_point("recovery.taken_over");
  return settle(taken.value(), number, fence, why);
}

result<verdict> reconciler::settle(const payment_intent& taken, int number, std::uint64_t fence,
                                   std::string* why) {
  const std::string reference = attempt_reference(taken.id, number);
  std::string failure;
  payment_intent current = taken;
  // A void decided under an earlier fence may have been sent, or may be yet
  // (its recoverer paused past its lease): this attempt's money is voided,
  // never adopted, whatever a lookup says now.
  const bool undecided_voids = testing::rule_broken(testing::broken_rule::void_without_decision);
  BOOST_OUTCOME_TRY(const recovery_history past, history(current, number));
  if (undecided_voids || !past.void_decided) {
    const attempt_kind kind = attempt_of(current, number)->kind;
    auto found =
        lookup_blocking(network_, world_, kind, reference, policy_.network_timeout, &failure);
    crash_point("recovery.looked_up");
    if (!found) {
      if (found.error() == errc::not_supported) {
        return review(current, number, fence, "the card network does not support lookup", why);
      }
      return later(current, number, fence, past.retries, failure, why);
    }
    // Found voided: the network holds no money under it, as when not found.
    if (found.value().found && !found.value().voided) {
      const network_outcome& outcome = found.value().outcome;
      if (outcome.kind == outcome_kind::pending || outcome.kind == outcome_kind::unknown) {
        return later(current, number, fence, past.retries,
                     "the card network still reports it pending", why);
      }
      auto w = plan_outcome(current, number, fence, outcome, ctx_);
      if (!w) return verdict::skipped;
      auto r = commits_.commit(current, std::move(*w));
      if (!r) return lost_race(r.error()) ? result<verdict>(verdict::skipped) : r.error();
      return verdict::adopted;
    }
    // The decision is durable, under this fence, before the void leaves: a
    // recoverer that took over meanwhile wins the compare-and-set and this
    // one voids nothing.
    if (!undecided_voids) {
      auto r = commits_.commit(current, plan_void_decided(current, number, fence, ctx_));
      if (!r) return lost_race(r.error()) ? result<verdict>(verdict::skipped) : r.error();
      current = std::move(r).value();
      crash_point("recovery.void_decided");
    }
  }
  auto voided = void_blocking(network_, world_, reference, policy_.network_timeout, &failure);
  if (!voided) {
    if (voided.error() == errc::not_supported) {
      return review(current, number, fence,
                    "lookup found nothing and the card network does not support void", why);
    }
    return later(current, number, fence, past.retries, failure, why);
  }
  crash_point("recovery.voided");
  auto r = commits_.commit(current, plan_voided(current, number, fence, ctx_));
  if (!r) return lost_race(r.error()) ? result<verdict>(verdict::skipped) : r.error();
  return verdict::voided;
}

result<reconciler::recovery_history> reconciler::history(const payment_intent& current,
                                                         int number) {
  BOOST_OUTCOME_TRY(
      auto trail, store_kit::guard([&] { return store_.audit_trail(current.tenant, current.id); }));
  recovery_history past;
  for (const audit_entry& e : trail) {
    if (e.attempt_number != number) continue;
    past.void_decided = past.void_decided || e.event == void_decided_event;
    if (e.event == "recovery.retry") ++past.retries;
  }
  return past;
}

result<verdict> reconciler::later(const payment_intent& current, int number, std::uint64_t fence,
                                  std::size_t tries, std::string reason, std::string* why) {
  if (tries >= policy_.backoff.size()) {
    return review(current, number, fence, reason + "; retries exhausted", why);
  }
  if (why) *why = reason;
  auto r = commits_.commit(current, plan_retry_later(current, number, fence, std::move(reason),
                                                     policy_.backoff[tries].count(), ctx_));
  if (!r) return lost_race(r.error()) ? result<verdict>(verdict::skipped) : r.error();
  return verdict::retry_later;
}

result<verdict> reconciler::review(const payment_intent& current, int number, std::uint64_t fence,
                                   std::string reason, std::string* why) {
  if (why) *why = reason;
  auto r = commits_.commit(current, plan_review(current, number, fence, std::move(reason), ctx_));
  if (!r) return lost_race(r.error()) ? result<verdict>(verdict::skipped) : r.error();
  return verdict::review;
}

}  // namespace payintent::detail
