// payintent::testing — conformance cases for claim (idempotency keys).
// Included by <payintent/testing/store_conformance.hpp>.
#pragma once

#include "payintent/testing/conformance/fixtures.hpp"

namespace payintent::testing::conformance {

// claimed, replay and mismatch, each with what it stored or returned.
inline void claim_statuses(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_claim_statuses");
  const auto t0 = expect_ok(store.now_ms());

  const auto first = expect_ok(store.claim(claim_create("key-1", pi)));
  CHECK(name_of(first.status) == name_of(claim_status::claimed));
  CHECK(first.receipt.version == 1);
  CHECK(first.receipt.store_time_ms == t0);

  const auto key = expect_ok(store.load_key(tenant_a, idempotency_key{"key-1"}));
  REQUIRE(key.has_value());
  auto expected_key = claim_create("key-1", pi).key;
  expected_key.created_at_ms = t0;
  expected_key.expires_at_ms = t0 + retention_ms;
  CHECK(*key == expected_key);

  const auto stored = must_load(store, tenant_a, pi.id);
  CHECK(stored.version == 1);
  CHECK(stored.created_at_ms == t0);
  CHECK(stored.updated_at_ms == t0);
  CHECK(stored.attempts.empty());

  sut.advance_clock_ms(1000);
  const auto replay = expect_ok(store.claim(claim_create("key-1", pi)));
  CHECK(name_of(replay.status) == name_of(claim_status::replay));
  CHECK(replay.existing == expected_key);

  const auto mismatch = expect_ok(store.claim(claim_create("key-1", pi, fingerprint_2)));
  CHECK(name_of(mismatch.status) == name_of(claim_status::mismatch));
  CHECK(mismatch.existing == expected_key);

  // Neither wrote anything.
  CHECK(must_load(store, tenant_a, pi.id) == stored);
  CHECK(audit_count(store, tenant_a, pi.id) == 1);
  CHECK(expect_ok(store.load_key(tenant_a, idempotency_key{"key-1"})) == expected_key);
}

// A replay answers the stored record, not the one the retry brought.
inline void replay_returns_stored_record(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  claim_request rejection;  // a definitive rejection: a key, no write
  rejection.key = new_key(tenant_a, "key-rejected", fingerprint_1);
  rejection.key.op = operation::confirm;
  rejection.key.result.code = static_cast<int>(errc::invalid_state);
  rejection.key.result.message = "intent is succeeded";
  rejection.retention_ms = 5000;
  const auto claimed = expect_ok(store.claim(rejection));
  CHECK(name_of(claimed.status) == name_of(claim_status::claimed));
  const auto stored = expect_ok(store.load_key(tenant_a, rejection.key.key));
  REQUIRE(stored.has_value());
  CHECK(stored->result == rejection.key.result);
  CHECK(stored->op == operation::confirm);
  CHECK(stored->expires_at_ms - stored->created_at_ms == 5000);

  auto retry = rejection;
  retry.key.result = stored_result{0, "", intent_id{"pi_other"}, 3};
  retry.retention_ms = 99'000;
  sut.advance_clock_ms(10);
  const auto replay = expect_ok(store.claim(retry));
  CHECK(name_of(replay.status) == name_of(claim_status::replay));
  CHECK(replay.existing == *stored);
  CHECK(expect_ok(store.load_key(tenant_a, rejection.key.key)) == stored);
}

// The key decides before the write's preconditions: a retry whose intent has
// moved on still replays (or mismatches) instead of failing.
inline void key_checked_before_preconditions(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_key_first");
  REQUIRE(expect_ok(store.claim(claim_create("key-1", pi))).status == claim_status::claimed);
  const auto stored = must_load(store, tenant_a, pi.id);
  expect_ok(store.commit(start_attempt_write(stored, 1, 1)));  // the intent moves on

  // The same request again would now be a version_conflict (insert of an
  // existing intent), but the key answers first.
  const auto replay = expect_ok(store.claim(claim_create("key-1", pi)));
  CHECK(name_of(replay.status) == name_of(claim_status::replay));
  const auto mismatch = expect_ok(store.claim(claim_create("key-1", pi, fingerprint_2)));
  CHECK(name_of(mismatch.status) == name_of(claim_status::mismatch));
  CHECK(must_load(store, tenant_a, pi.id).version == 2);
}

// A claim whose write fails leaves no key, no intent and no audit entry.
inline void failed_claim_writes_nothing(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_atomic");
  const auto existing = create_stored(store, pi);

  // version_conflict: the intent exists already.
  auto conflicting = claim_create("key-conflict", pi);
  const auto r1 = store.claim(conflicting);
  CHECK(outcome_of(r1) == name_of(errc::version_conflict));
  CHECK_FALSE(expect_ok(store.load_key(tenant_a, conflicting.key.key)).has_value());
  CHECK(must_load(store, tenant_a, pi.id) == existing);
  CHECK(audit_count(store, tenant_a, pi.id) == 1);

  // A new intent whose attempt number is not the next one: nothing at all.
  const auto fresh = new_intent(tenant_a, "pi_atomic_fresh");
  auto bad_attempt = claim_create("key-bad-attempt", fresh);
  bad_attempt.write->attempt = attempt_write{new_attempt(fresh, 3, 1), std::nullopt, false, 1000};
  bad_attempt.write->audit.push_back(event("attempt.created", "", "init", 3));
  const auto r2 = store.claim(bad_attempt);
  CHECK(outcome_of(r2) == name_of(errc::version_conflict));
  CHECK_FALSE(expect_ok(store.load_key(tenant_a, bad_attempt.key.key)).has_value());
  CHECK_FALSE(expect_ok(store.load(tenant_a, fresh.id)).has_value());
  CHECK(expect_ok(store.audit_trail(tenant_a, fresh.id)).empty());
  CHECK(expect_ok(store.list_unresolved(100)).empty());

  // not_found: an update of an intent that does not exist.
  auto missing = claim_create("key-missing", new_intent(tenant_a, "pi_missing"));
  missing.write->expected_version = 4;
  CHECK(outcome_of(store.claim(missing)) == name_of(errc::not_found));
  CHECK_FALSE(expect_ok(store.load_key(tenant_a, missing.key.key)).has_value());
  CHECK_FALSE(expect_ok(store.load(tenant_a, intent_id{"pi_missing"})).has_value());

  // The failed keys stay free: a corrected request claims them.
  const auto retried = expect_ok(store.claim(claim_create("key-bad-attempt", fresh)));
  CHECK(name_of(retried.status) == name_of(claim_status::claimed));
}

}  // namespace payintent::testing::conformance
