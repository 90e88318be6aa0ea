// payintent::testing — conformance cases for manual capture and refunds:
// the new fields of intents and attempts, kept exactly, and refunds of one
// intent that never reserve more than it received under racing claims.
// Included by <payintent/testing/store_conformance.hpp>.
#pragma once

#include "payintent/testing/conformance/concurrency_cases.hpp"
#include "payintent/testing/conformance/fixtures.hpp"

#include <atomic>

namespace payintent::testing::conformance {

// A manual intent holding attempt 1 (authorization, authorized) in
// requires_capture, as stored.
inline payment_intent create_held(idempotency_store& store, const tenant_id& tenant,
                                  const std::string& id) {
  auto pi = new_intent(tenant, id);
  pi.capture_method = capture_method::manual;
  auto held = create_with_attempt(store, pi);
  auto w = outcome_write(held, 1, 1, attempt_state::authorized, held.version);
  w.intent.status = intent_status::requires_capture;
  expect_ok(store.commit(w));
  return must_load(store, tenant, pi.id);
}

// A succeeded manual intent with attempt 1 (authorization, authorized) and
// attempt 2 (capture of `captured`, succeeded), as stored.
inline payment_intent create_captured(idempotency_store& store, const std::string& id,
                                      std::int64_t captured) {
  const auto authorized = create_held(store, tenant_a, id);
  auto w = start_attempt_write(authorized, 2, 1, 0);
  w.attempt->value.kind = attempt_kind::capture;
  w.attempt->value.amount = captured;
  w.attempt->value.state = attempt_state::succeeded;
  w.intent.status = intent_status::succeeded;
  expect_ok(store.commit(w));
  return must_load(store, tenant_a, authorized.id);
}

// Every field capture and refunds added comes back as written: the intent's
// capture_method, cancellation_reason and requires_capture status; each
// attempt's kind, amount, reason and succeeded state; the operations' keys.
inline void capture_records(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  auto pi = new_intent(tenant_a, "pi_capture_rt");
  pi.capture_method = capture_method::manual;
  pi.status = intent_status::requires_capture;
  pi.cancellation_reason = "requested_by_customer";
  auto r = claim_create("key-capture-rt", pi);
  r.key.op = operation::capture;
  expect_ok(store.claim(r));
  const auto stored = must_load(store, tenant_a, pi.id);
  CHECK(stored.capture_method == capture_method::manual);
  CHECK(stored.status == intent_status::requires_capture);
  CHECK(stored.cancellation_reason == "requested_by_customer");
  const auto key = expect_ok(store.load_key(tenant_a, idempotency_key{"key-capture-rt"}));
  REQUIRE(key.has_value());
  CHECK(key->op == operation::capture);

  auto w = start_attempt_write(stored, 1, 4, 0);
  w.attempt->value.kind = attempt_kind::refund;
  w.attempt->value.amount = 987;
  w.attempt->value.reason = "fraudulent";
  w.attempt->value.state = attempt_state::succeeded;
  expect_ok(store.commit(w));
  auto loaded = must_load(store, tenant_a, pi.id);
  REQUIRE(loaded.attempts.size() == 1);
  CHECK(loaded.attempts[0].kind == attempt_kind::refund);
  CHECK(loaded.attempts[0].amount == 987);
  CHECK(loaded.attempts[0].reason == "fraudulent");
  CHECK(loaded.attempts[0].state == attempt_state::succeeded);

  // A fenced update keeps them too, and sees them changed.
  auto u = outcome_write(loaded, 1, 4, attempt_state::succeeded, loaded.version);
  u.intent = loaded;
  u.attempt->value.kind = attempt_kind::release;
  u.attempt->value.amount = 0;
  u.attempt->value.reason = "abandoned";
  u.intent.cancellation_reason = "abandoned";
  u.intent.status = intent_status::canceled;
  expect_ok(store.commit(u));
  loaded = must_load(store, tenant_a, pi.id);
  CHECK(loaded.attempts[0].kind == attempt_kind::release);
  CHECK(loaded.attempts[0].amount == 0);
  CHECK(loaded.attempts[0].reason == "abandoned");
  CHECK(loaded.cancellation_reason == "abandoned");
  CHECK(loaded.status == intent_status::canceled);
}

// Threads race refunds of one captured intent, each under its own key,
// each planned as the engine plans one: on the intent as loaded, only if
// what it reserves fits in what is left, applied with the loaded version.
// The store's compare-and-set lets exactly as many through as fit.
inline void racing_refund_claims(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  constexpr std::int64_t captured = 1000;
  constexpr std::int64_t each = 70;  // 14 fit
  const auto paid = create_captured(store, "pi_refund_race", captured);
  std::atomic<int> claimed{0}, unexpected{0};
  run_threads([&](int t) {
    for (int i = 0; i < 3; ++i) {
      for (int round = 0; round < 200; ++round) {
        auto loaded = with_transient_retries([&] { return store.load(tenant_a, paid.id); });
        if (!loaded || !loaded.value()) {
          ++unexpected;
          return;
        }
        const payment_intent& now = *loaded.value();
        std::int64_t reserved = 0;
        for (const auto& a : now.attempts) {
          if (a.kind == attempt_kind::refund) reserved += a.amount;
        }
        if (reserved + each > captured) return;  // nothing left: this thread is done
        auto w = start_attempt_write(now, static_cast<int>(now.attempts.size()) + 1, 1);
        w.intent.status = intent_status::succeeded;
        w.attempt->value.kind = attempt_kind::refund;
        w.attempt->value.amount = each;
        claim_request r;
        r.key = new_key(tenant_a, fmt::format("refund-{}-{}", t, i), fingerprint_1, paid.id,
                        w.attempt->value.number);
        r.key.op = operation::refund;
        r.retention_ms = retention_ms;
        r.write = std::move(w);
        const auto c = with_transient_retries([&] { return store.claim(r); });
        if (c && c.value().status == claim_status::claimed) {
          ++claimed;
          break;
        }
        if (!c && (c.error() == errc::version_conflict || c.error() == errc::fenced_out)) {
          continue;  // the intent moved on: plan again on what it is now
        }
        ++unexpected;
        return;
      }
    }
  });
  CHECK(unexpected.load() == 0);
  const auto after = must_load(store, tenant_a, paid.id);
  std::int64_t reserved = 0;
  for (const auto& a : after.attempts) {
    if (a.kind == attempt_kind::refund) reserved += a.amount;
  }
  CHECK(reserved <= captured);
  CHECK(claimed.load() == captured / each);
  CHECK(reserved == claimed.load() * each);
  CHECK(static_cast<int>(after.attempts.size()) == 2 + claimed.load());
}

// Only intents in requires_capture are listed, by when their held
// authorization became authorized (not the intent's last change), at or
// before the cutoff, oldest first, across tenants; one captured or with a
// capture in flight is not.
inline void list_requires_capture(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto t0 = expect_ok(store.now_ms());
  create_held(store, tenant_a, "pi_rc_first");
  const auto retouched = create_held(store, tenant_a, "pi_rc_retouched");
  const auto captured = create_held(store, tenant_a, "pi_rc_captured");
  const auto in_flight = create_held(store, tenant_b, "pi_rc_in_flight");
  sut.advance_clock_ms(5'000);
  create_held(store, tenant_b, "pi_rc_second");
  create_stored(store, new_intent(tenant_a, "pi_rc_created"));
  sut.advance_clock_ms(5'000);
  // A declined capture: attempt 2 ends declined, the intent back in
  // requires_capture, changed at t0 + 10 s; its hold is still from t0.
  auto declined = start_attempt_write(retouched, 2, 1, 0);
  declined.attempt->value.kind = attempt_kind::capture;
  declined.attempt->value.state = attempt_state::declined;
  declined.intent.status = intent_status::requires_capture;
  expect_ok(store.commit(declined));
  auto capture = start_attempt_write(captured, 2, 1, 0);
  capture.attempt->value.kind = attempt_kind::capture;
  capture.attempt->value.state = attempt_state::succeeded;
  capture.intent.status = intent_status::succeeded;
  expect_ok(store.commit(capture));
  auto flying = start_attempt_write(in_flight, 2, 1);
  flying.attempt->value.kind = attempt_kind::capture;
  expect_ok(store.commit(flying));  // processing, the capture in init

  const auto all = expect_ok(store.list_requires_capture(t0 + 1'000'000, 100));
  REQUIRE(all.size() == 3);
  CHECK(all[0].intent == intent_id{"pi_rc_first"});
  CHECK(all[0].tenant == tenant_a);
  CHECK(all[0].authorized_at_ms == t0);
  CHECK(all[1].intent == intent_id{"pi_rc_retouched"});
  CHECK(all[1].authorized_at_ms == t0);
  CHECK(all[2].intent == intent_id{"pi_rc_second"});
  CHECK(all[2].tenant == tenant_b);
  CHECK(all[2].authorized_at_ms == t0 + 5'000);
  CHECK(must_load(store, tenant_a, retouched.id).updated_at_ms == t0 + 10'000);

  const auto early = expect_ok(store.list_requires_capture(t0 + 4'999, 100));
  REQUIRE(early.size() == 2);
  CHECK(early[1].intent == intent_id{"pi_rc_retouched"});
  CHECK(expect_ok(store.list_requires_capture(t0 - 1, 100)).empty());
  const auto limited = expect_ok(store.list_requires_capture(t0 + 1'000'000, 1));
  REQUIRE(limited.size() == 1);
  CHECK(limited[0].intent == intent_id{"pi_rc_first"});
  CHECK(expect_ok(store.list_requires_capture(t0 + 1'000'000, 0)).empty());
}

}  // namespace payintent::testing::conformance
