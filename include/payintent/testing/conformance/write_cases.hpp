// payintent::testing — conformance cases for commit: versions, attempt
// numbers, fencing, leases, and what a load returns.
// Included by <payintent/testing/store_conformance.hpp>.
#pragma once

#include "payintent/testing/conformance/fixtures.hpp"

namespace payintent::testing::conformance {

// Every field written comes back; the store sets version and times.
inline void round_trip(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  auto pi = new_intent(tenant_a, "pi_round_trip");
  pi.amount = money{123'456, find_currency("BHD")};
  pi.last_error =
      payment_error{"card_declined", "insufficient_funds", "Your card has \"no\" funds."};
  pi.next_action =
      next_action{"redirect_to_url", "https://acs.example/c?x=1&y=2", "{\"sdk\":1}", "3ds-trans-1"};
  pi.metadata.clear();                           // an empty map is a value too
  pi.attempts.push_back(new_attempt(pi, 9, 9));  // ignored: attempts come from attempt writes
  const auto t0 = expect_ok(store.now_ms());
  expect_ok(store.claim(claim_create("key-rt", pi)));
  auto expected = pi;
  expected.attempts.clear();
  expected.version = 1;
  expected.created_at_ms = t0;
  expected.updated_at_ms = t0;
  CHECK(must_load(store, tenant_a, pi.id) == expected);

  sut.advance_clock_ms(250);
  auto w = start_attempt_write(must_load(store, tenant_a, pi.id), 1, 7, 0);
  w.intent.metadata = {{"k", "v"}};
  w.intent.last_error.reset();
  w.attempt->value.decline_code = "do_not_honor";
  w.attempt->value.network_transaction_id = "ntx-42";
  w.attempt->value.lease_expires_at_ms = 0;  // ttl 0: stored as given
  w.attempt->value.node_id = "node-z";
  const auto receipt = expect_ok(store.commit(w));
  CHECK(receipt.version == 2);
  CHECK(receipt.store_time_ms == t0 + 250);
  CHECK(receipt.lease_expires_at_ms == 0);

  const auto loaded = must_load(store, tenant_a, pi.id);
  CHECK(loaded.version == 2);
  CHECK(loaded.created_at_ms == t0);  // kept
  CHECK(loaded.updated_at_ms == t0 + 250);
  CHECK(loaded.metadata == w.intent.metadata);
  CHECK_FALSE(loaded.last_error.has_value());
  CHECK(loaded.next_action == pi.next_action);
  CHECK(loaded.status == intent_status::processing);
  REQUIRE(loaded.attempts.size() == 1);
  auto expected_attempt = w.attempt->value;
  expected_attempt.created_at_ms = t0 + 250;
  expected_attempt.updated_at_ms = t0 + 250;
  CHECK(loaded.attempts[0] == expected_attempt);
}

// Insert of an existing intent and a stale version are version_conflict; an
// update of a missing intent is not_found; a failed commit writes nothing.
inline void version_checks(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_versions");
  const auto v1 = create_stored(store, pi);

  CHECK(outcome_of(store.commit(create_write(pi))) == name_of(errc::version_conflict));

  auto update = create_write(v1);
  update.expected_version = 1;
  update.intent.description = "second";
  sut.advance_clock_ms(5);
  const auto receipt = expect_ok(store.commit(update));
  CHECK(receipt.version == 2);
  const auto v2 = must_load(store, tenant_a, pi.id);
  CHECK(v2.description == "second");
  CHECK(v2.created_at_ms == v1.created_at_ms);
  CHECK(v2.updated_at_ms == v1.created_at_ms + 5);

  auto stale = update;  // expected_version 1 again
  stale.intent.description = "stale";
  CHECK(outcome_of(store.commit(stale)) == name_of(errc::version_conflict));
  auto ahead = update;
  ahead.expected_version = 3;
  CHECK(outcome_of(store.commit(ahead)) == name_of(errc::version_conflict));
  CHECK(must_load(store, tenant_a, pi.id) == v2);
  CHECK(audit_count(store, tenant_a, pi.id) == 2);

  auto missing = create_write(new_intent(tenant_a, "pi_nowhere"));
  missing.expected_version = 1;
  CHECK(outcome_of(store.commit(missing)) == name_of(errc::not_found));
  CHECK_FALSE(expect_ok(store.load(tenant_a, intent_id{"pi_nowhere"})).has_value());
  CHECK(expect_ok(store.audit_trail(tenant_a, intent_id{"pi_nowhere"})).empty());
}

// A new attempt's number must be the next one, else version_conflict (a
// concurrent writer added it); a fenced update of a missing one is not_found.
inline void attempt_numbers(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_numbers");
  const auto v1 = create_stored(store, pi);

  CHECK(outcome_of(store.commit(start_attempt_write(v1, 2, 1))) == name_of(errc::version_conflict));
  CHECK(outcome_of(store.commit(start_attempt_write(v1, 0, 1))) == name_of(errc::version_conflict));
  CHECK(must_load(store, tenant_a, pi.id) == v1);

  expect_ok(store.commit(start_attempt_write(v1, 1, 1)));
  const auto v2 = must_load(store, tenant_a, pi.id);
  CHECK(outcome_of(store.commit(start_attempt_write(v2, 1, 1))) ==
        name_of(errc::version_conflict));  // 1 exists: an insert cannot overwrite it
  expect_ok(store.commit(outcome_write(v2, 1, 1, attempt_state::declined, 2)));
  const auto v3 = must_load(store, tenant_a, pi.id);
  expect_ok(store.commit(start_attempt_write(v3, 2, 1)));
  const auto v4 = must_load(store, tenant_a, pi.id);
  REQUIRE(v4.attempts.size() == 2);
  CHECK(v4.attempts[0].number == 1);
  CHECK(v4.attempts[0].state == attempt_state::declined);
  CHECK(v4.attempts[1].number == 2);
  CHECK(v4.attempts[1].state == attempt_state::init);

  // A fenced update of an attempt that does not exist.
  auto ghost = start_attempt_write(v4, 7, 1);
  ghost.attempt->expected_fence = 1;
  CHECK(outcome_of(store.commit(ghost)) == name_of(errc::not_found));
  CHECK(must_load(store, tenant_a, pi.id) == v4);
}

// Only the holder of the current fence writes an attempt; the fence is
// checked before the version; a fenced-out write leaves everything as it was.
inline void fencing(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_fencing");
  const auto held = create_with_attempt(store, pi, 5);  // version 2, attempt 1 fence 5
  const auto trail = expect_ok(store.audit_trail(tenant_a, pi.id));

  CHECK(outcome_of(store.commit(outcome_write(held, 1, 4, attempt_state::authorized, 2))) ==
        name_of(errc::fenced_out));
  // Stale fence AND stale version: fenced_out wins, so the writer stops.
  CHECK(outcome_of(store.commit(outcome_write(held, 1, 4, attempt_state::authorized, 1))) ==
        name_of(errc::fenced_out));
  // Right fence, stale version: version_conflict (reload and decide again).
  CHECK(outcome_of(store.commit(outcome_write(held, 1, 5, attempt_state::authorized, 1))) ==
        name_of(errc::version_conflict));
  CHECK(must_load(store, tenant_a, pi.id) == held);
  CHECK(expect_ok(store.audit_trail(tenant_a, pi.id)) == trail);

  const auto receipt =
      expect_ok(store.commit(outcome_write(held, 1, 5, attempt_state::authorized, 2)));
  CHECK(receipt.version == 3);
  const auto done = must_load(store, tenant_a, pi.id);
  CHECK(done.attempts.at(0).state == attempt_state::authorized);
  CHECK(done.attempts.at(0).fence == 5);
  CHECK(done.status == intent_status::succeeded);
}

// A takeover (require_lease_expired) succeeds only once the lease has
// expired by the store clock; then the old holder is fenced out.
inline void lease_takeover(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_lease");
  const auto created = create_stored(store, pi);
  const auto receipt = expect_ok(store.commit(start_attempt_write(created, 1, 1, 10'000)));
  CHECK(receipt.lease_expires_at_ms == receipt.store_time_ms + 10'000);
  const auto held = must_load(store, tenant_a, pi.id);
  CHECK(held.attempts.at(0).lease_expires_at_ms == receipt.lease_expires_at_ms);

  auto takeover = outcome_write(held, 1, 1, attempt_state::init, held.version);
  takeover.attempt->value.fence = 2;
  takeover.attempt->value.node_id = "node-b";
  takeover.attempt->require_lease_expired = true;
  takeover.attempt->lease_ttl_ms = 10'000;

  sut.advance_clock_ms(5'000);
  CHECK(outcome_of(store.commit(takeover)) == name_of(errc::version_conflict));
  CHECK(must_load(store, tenant_a, pi.id) == held);

  sut.advance_clock_ms(5'001);  // past the lease, by the store's clock
  const auto taken = expect_ok(store.commit(takeover));
  CHECK(taken.lease_expires_at_ms == taken.store_time_ms + 10'000);
  const auto after = must_load(store, tenant_a, pi.id);
  CHECK(after.attempts.at(0).fence == 2);
  CHECK(after.attempts.at(0).node_id == "node-b");
  CHECK(after.attempts.at(0).created_at_ms == held.attempts.at(0).created_at_ms);

  // The old holder comes back with its outcome: fenced out, nothing written.
  CHECK(outcome_of(store.commit(outcome_write(held, 1, 1, attempt_state::authorized,
                                              after.version))) == name_of(errc::fenced_out));
  CHECK(must_load(store, tenant_a, pi.id) == after);
}

}  // namespace payintent::testing::conformance
