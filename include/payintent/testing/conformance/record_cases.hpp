// payintent::testing — conformance cases for the audit trail, key retention,
// tenant isolation, recovery listing and the store clock.
// Included by <payintent/testing/store_conformance.hpp>.
#pragma once

#include "payintent/testing/conformance/fixtures.hpp"

#include <set>
#include <tuple>

namespace payintent::testing::conformance {

// now_ms is the injected clock: the factory wired it correctly.
inline void store_clock(const store_factory& make) {
  auto sut = make();
  const auto t0 = expect_ok(sut.store->now_ms());
  sut.advance_clock_ms(12'345);
  CHECK(expect_ok(sut.store->now_ms()) == t0 + 12'345);
}

// Entries are stamped and sealed by the store, chained per intent, and
// verify; a changed entry does not.
inline void audit_chain(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = new_intent(tenant_a, "pi_audit");
  const auto t0 = expect_ok(store.now_ms());
  const auto held = create_with_attempt(store, pi, 3);  // 2 entries
  sut.advance_clock_ms(40);
  auto w = outcome_write(held, 1, 3, attempt_state::authorized, held.version);
  w.audit.push_back(audit_event{0, "intent.succeeded", "processing", "succeeded", "approved"});
  expect_ok(store.commit(w));

  const auto trail = expect_ok(store.audit_trail(tenant_a, pi.id));
  REQUIRE(trail.size() == 4);
  for (std::size_t i = 0; i < trail.size(); ++i) {
    CHECK(trail[i].sequence == i + 1);
    CHECK(trail[i].tenant == tenant_a);
    CHECK(trail[i].intent == pi.id);
    CHECK(trail[i].prev_hash == (i == 0 ? std::string(audit_genesis_hash) : trail[i - 1].hash));
    CHECK(trail[i].hash == audit_entry_hash(trail[i]));
  }
  CHECK(trail[0].event == "intent.created");
  CHECK(trail[0].time_ms == t0);
  CHECK(trail[0].fence == 0);  // a write without an attempt
  CHECK(trail[0].node_id == "node-a");
  CHECK(trail[1].attempt_number == 1);
  CHECK(trail[1].fence == 3);
  CHECK(trail[2].event == "attempt.outcome");
  CHECK(trail[2].time_ms == t0 + 40);
  CHECK(trail[2].node_id == "node-b");
  CHECK(trail[3].fence == 3);  // every entry of a write carries its attempt's fence
  CHECK(trail[3].detail == "approved");
  CHECK(trail[3].attempt_number == 0);

  const auto verified = verify_audit(trail);
  CHECK(verified.ok);
  auto tampered = trail;
  tampered[2].to = "declined";
  const auto broken = verify_audit(tampered);
  CHECK_FALSE(broken.ok);
  CHECK(broken.first_broken_sequence == 3);

  // A write with many entries (a store may split them over statements)
  // appends them all, in order, on one chain.
  auto many = outcome_write(expect_ok(store.load(tenant_a, pi.id)).value(), 1, 3,
                            attempt_state::authorized, held.version + 1);
  many.audit.clear();
  for (int i = 0; i < 9; ++i) {
    many.audit.push_back(
        audit_event{0, "intent.note", "succeeded", "succeeded", "note " + std::to_string(i)});
  }
  expect_ok(store.commit(many));
  const auto longer = expect_ok(store.audit_trail(tenant_a, pi.id));
  REQUIRE(longer.size() == 13);
  for (std::size_t i = 4; i < longer.size(); ++i) {
    CHECK(longer[i].sequence == i + 1);
    CHECK(longer[i].detail == "note " + std::to_string(i - 4));
  }
  CHECK(verify_audit(longer).ok);

  // Each intent has its own chain, starting at 1.
  const auto other = new_intent(tenant_a, "pi_audit_other");
  create_stored(store, other);
  const auto other_trail = expect_ok(store.audit_trail(tenant_a, other.id));
  REQUIRE(other_trail.size() == 1);
  CHECK(other_trail[0].sequence == 1);
  CHECK(other_trail[0].prev_hash == audit_genesis_hash);
  CHECK(expect_ok(store.audit_trail(tenant_a, intent_id{"pi_unknown"})).empty());
}

// Purge deletes only keys expired by the store clock, at most `limit` per
// call, and never one whose attempt is unresolved.
inline void purge_expired_keys(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  auto plain_key = [&](const std::string& name, std::int64_t retention) {
    claim_request r;
    r.key = new_key(tenant_a, name, fingerprint_1);
    r.retention_ms = retention;
    REQUIRE(expect_ok(store.claim(r)).status == claim_status::claimed);
  };
  for (int i = 0; i < 5; ++i) plain_key("short-" + std::to_string(i), 1'000);
  plain_key("long", 60'000);
  // A key naming attempt 1 of an intent whose attempt is still init.
  const auto pi = new_intent(tenant_a, "pi_guarded");
  const auto created = create_stored(store, pi);
  claim_request guarded;
  guarded.key = new_key(tenant_a, "guarding", fingerprint_1, pi.id, 1);
  guarded.key.op = operation::confirm;
  guarded.retention_ms = 1'000;
  guarded.write = start_attempt_write(created, 1, 1, 600'000);
  REQUIRE(expect_ok(store.claim(guarded)).status == claim_status::claimed);

  CHECK(expect_ok(store.purge_expired_keys(100)) == 0);  // nothing expired yet
  sut.advance_clock_ms(999);
  CHECK(expect_ok(store.purge_expired_keys(100)) == 0);

  sut.advance_clock_ms(2'000);
  CHECK(expect_ok(store.purge_expired_keys(2)) == 2);
  CHECK(expect_ok(store.purge_expired_keys(2)) == 2);
  CHECK(expect_ok(store.purge_expired_keys(2)) == 1);
  CHECK(expect_ok(store.purge_expired_keys(2)) == 0);
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(expect_ok(store.load_key(tenant_a, idempotency_key{"short-" + std::to_string(i)}))
                    .has_value());
  }
  CHECK(expect_ok(store.load_key(tenant_a, idempotency_key{"long"})).has_value());
  CHECK(expect_ok(store.load_key(tenant_a, idempotency_key{"guarding"})).has_value());
  CHECK(expect_ok(store.load_key(tenant_a, idempotency_key{"create-pi_guarded"})).has_value());

  // Once the attempt is resolved the guarding key may go; intents stay.
  const auto held = must_load(store, tenant_a, pi.id);
  expect_ok(store.commit(outcome_write(held, 1, 1, attempt_state::declined, held.version)));
  sut.advance_clock_ms(retention_ms);
  CHECK(expect_ok(store.purge_expired_keys(100)) == 3);  // guarding, create-pi_guarded, long
  CHECK_FALSE(expect_ok(store.load_key(tenant_a, idempotency_key{"guarding"})).has_value());
  CHECK(must_load(store, tenant_a, pi.id).attempts.size() == 1);
  CHECK(audit_count(store, tenant_a, pi.id) == 3);
}

// Tenant B sees nothing of tenant A, and the same key or intent id in both
// tenants are independent.
inline void tenant_isolation(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi_a = new_intent(tenant_a, "pi_shared_id");
  REQUIRE(expect_ok(store.claim(claim_create("shared-key", pi_a))).status == claim_status::claimed);
  const auto stored_a = must_load(store, tenant_a, pi_a.id);

  CHECK_FALSE(expect_ok(store.load(tenant_b, pi_a.id)).has_value());
  CHECK_FALSE(expect_ok(store.load_key(tenant_b, idempotency_key{"shared-key"})).has_value());
  CHECK(expect_ok(store.audit_trail(tenant_b, pi_a.id)).empty());
  auto foreign = create_write(stored_a);
  foreign.intent.tenant = tenant_b;
  foreign.expected_version = 1;
  CHECK(outcome_of(store.commit(foreign)) == name_of(errc::not_found));

  // Tenant B's identical key (even with another fingerprint) and intent id.
  auto pi_b = new_intent(tenant_b, "pi_shared_id");
  pi_b.amount.minor_units = 7;
  const auto claimed = expect_ok(store.claim(claim_create("shared-key", pi_b, fingerprint_2)));
  CHECK(name_of(claimed.status) == name_of(claim_status::claimed));
  CHECK(must_load(store, tenant_b, pi_b.id).amount.minor_units == 7);
  CHECK(must_load(store, tenant_a, pi_a.id) == stored_a);
  CHECK(expect_ok(store.load_key(tenant_a, idempotency_key{"shared-key"}))->fingerprint ==
        fingerprint_1);
  CHECK(expect_ok(store.load_key(tenant_b, idempotency_key{"shared-key"}))->fingerprint ==
        fingerprint_2);
  CHECK(audit_count(store, tenant_a, pi_a.id) == 1);
  CHECK(audit_count(store, tenant_b, pi_b.id) == 1);
}

// Only init, pending and unknown attempts are listed, oldest lease first,
// across tenants, with lease_expired by the store clock.
inline void list_unresolved(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const attempt_state all[] = {attempt_state::init,     attempt_state::authorized,
                               attempt_state::declined, attempt_state::challenge_pending,
                               attempt_state::pending,  attempt_state::unknown,
                               attempt_state::not_sent, attempt_state::voided};
  const auto t0 = expect_ok(store.now_ms());
  std::int64_t ttl = 80'000;
  for (const auto state : all) {
    const auto& tenant = state == attempt_state::pending ? tenant_b : tenant_a;
    const auto pi = new_intent(tenant, fmt::format("pi_state_{}", to_string(state)));
    const auto created = create_stored(store, pi);
    auto w = start_attempt_write(created, 1, 1, ttl);
    w.attempt->value.state = state;
    expect_ok(store.commit(w));
    ttl -= 10'000;  // later states get earlier leases
  }
  const auto listed = expect_ok(store.list_unresolved(100));
  REQUIRE(listed.size() == 3);
  // Leases: init t0+80s, pending t0+40s, unknown t0+30s.
  CHECK(listed[0].state == attempt_state::unknown);
  CHECK(listed[1].state == attempt_state::pending);
  CHECK(listed[1].tenant == tenant_b);
  CHECK(listed[2].state == attempt_state::init);
  CHECK(listed[2].intent == intent_id{"pi_state_init"});
  CHECK(listed[2].attempt_number == 1);
  CHECK(listed[2].lease_expires_at_ms == t0 + 80'000);
  for (const auto& u : listed) CHECK_FALSE(u.lease_expired);

  sut.advance_clock_ms(45'000);
  const auto later = expect_ok(store.list_unresolved(100));
  REQUIRE(later.size() == 3);
  CHECK(later[0].lease_expired);
  CHECK(later[1].lease_expired);
  CHECK_FALSE(later[2].lease_expired);

  const auto limited = expect_ok(store.list_unresolved(2));
  REQUIRE(limited.size() == 2);
  CHECK(limited[0].state == attempt_state::unknown);
  CHECK(limited[1].state == attempt_state::pending);
  CHECK(expect_ok(store.list_unresolved(0)).empty());
}

// Only intents in requires_action are listed, those last changed at or
// before the cutoff, oldest first, across tenants; one that left
// requires_action is not.
inline void list_requires_action(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto t0 = expect_ok(store.now_ms());
  auto move_to = [&](const payment_intent& stored, intent_status status) {
    intent_write w;
    w.intent = stored;
    w.intent.status = status;
    w.expected_version = stored.version;
    w.audit = {event("intent.moved", std::string(to_string(stored.status)),
                     std::string(to_string(status)))};
    w.node_id = "node-a";
    expect_ok(store.commit(w));
    return must_load(store, stored.tenant, stored.id);
  };
  create_stored(store, new_intent(tenant_a, "pi_ra_created"));
  move_to(create_stored(store, new_intent(tenant_a, "pi_ra_first")),
          intent_status::requires_action);
  sut.advance_clock_ms(5'000);
  const auto left = move_to(create_stored(store, new_intent(tenant_a, "pi_ra_left")),
                            intent_status::requires_action);
  sut.advance_clock_ms(5'000);
  move_to(create_stored(store, new_intent(tenant_b, "pi_ra_second")),
          intent_status::requires_action);
  move_to(create_stored(store, new_intent(tenant_a, "pi_ra_processing")),
          intent_status::processing);
  sut.advance_clock_ms(20'000);
  move_to(left, intent_status::failed);

  const auto all = expect_ok(store.list_requires_action(t0 + 1'000'000, 100));
  REQUIRE(all.size() == 2);
  CHECK(all[0].intent == intent_id{"pi_ra_first"});
  CHECK(all[0].tenant == tenant_a);
  CHECK(all[0].updated_at_ms == t0);
  CHECK(all[1].intent == intent_id{"pi_ra_second"});
  CHECK(all[1].tenant == tenant_b);
  CHECK(all[1].updated_at_ms == t0 + 10'000);

  const auto early = expect_ok(store.list_requires_action(t0 + 9'999, 100));
  REQUIRE(early.size() == 1);
  CHECK(early[0].intent == intent_id{"pi_ra_first"});
  CHECK(expect_ok(store.list_requires_action(t0 - 1, 100)).empty());
  const auto limited = expect_ok(store.list_requires_action(t0 + 1'000'000, 1));
  REQUIRE(limited.size() == 1);
  CHECK(limited[0].intent == intent_id{"pi_ra_first"});
  CHECK(expect_ok(store.list_requires_action(t0 + 1'000'000, 0)).empty());
}

}  // namespace payintent::testing::conformance
