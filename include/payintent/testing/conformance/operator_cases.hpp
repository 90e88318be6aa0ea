// payintent::testing — conformance cases of the operators' queries
// (idempotency_store::list_by_status, keys_of_intent, scan_audit,
// count_records), which a store may leave not_supported. A store that implements them adds
//
//   PAYINTENT_STORE_OPERATOR_CONFORMANCE_SUITE("my_store", make_my_store())
//
// beside PAYINTENT_STORE_CONFORMANCE_SUITE (store_conformance.hpp); the
// bundled memory, SQLite and PostgreSQL stores do.
#pragma once

#include "payintent/testing/store_conformance.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace payintent::testing::conformance {

// Moves a stored intent to `status` (no attempt written) and returns it.
inline payment_intent moved_to(idempotency_store& store, const payment_intent& stored,
                               intent_status status) {
  intent_write w;
  w.intent = stored;
  w.intent.status = status;
  w.expected_version = stored.version;
  w.audit = {
      event("intent.moved", std::string(to_string(stored.status)), std::string(to_string(status)))};
  w.node_id = "node-a";
  expect_ok(store.commit(w));
  return must_load(store, stored.tenant, stored.id);
}

// Only intents in the status asked for, of the tenant asked for (every
// tenant when empty), least recently changed first, at most `limit`, without
// their attempts.
inline void list_by_status(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto t0 = expect_ok(store.now_ms());
  create_stored(store, new_intent(tenant_a, "pi_ls_created"));
  const auto first = create_with_attempt(store, new_intent(tenant_b, "pi_ls_first"));
  moved_to(store, first, intent_status::requires_review);
  sut.advance_clock_ms(5'000);
  moved_to(store, create_stored(store, new_intent(tenant_a, "pi_ls_second")),
           intent_status::requires_review);
  sut.advance_clock_ms(5'000);
  moved_to(store, create_stored(store, new_intent(tenant_a, "pi_ls_third")),
           intent_status::requires_review);
  moved_to(store, create_stored(store, new_intent(tenant_a, "pi_ls_failed")),
           intent_status::failed);

  const auto all = expect_ok(store.list_by_status(intent_status::requires_review, {}, 100));
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == intent_id{"pi_ls_first"});
  CHECK(all[0].tenant == tenant_b);
  CHECK(all[0].updated_at_ms == t0);
  CHECK(all[0].status == intent_status::requires_review);
  CHECK(all[0].amount == new_intent(tenant_b, "x").amount);
  CHECK(all[0].attempts.empty());  // load() for them
  CHECK(all[1].id == intent_id{"pi_ls_second"});
  CHECK(all[2].id == intent_id{"pi_ls_third"});
  CHECK(all[2].updated_at_ms == t0 + 10'000);

  const auto of_a = expect_ok(store.list_by_status(intent_status::requires_review, tenant_a, 100));
  REQUIRE(of_a.size() == 2);
  CHECK(of_a[0].id == intent_id{"pi_ls_second"});
  CHECK(of_a[1].id == intent_id{"pi_ls_third"});
  const auto limited = expect_ok(store.list_by_status(intent_status::requires_review, {}, 1));
  REQUIRE(limited.size() == 1);
  CHECK(limited[0].id == intent_id{"pi_ls_first"});
  CHECK(expect_ok(store.list_by_status(intent_status::requires_review, {}, 0)).empty());
  CHECK(expect_ok(store.list_by_status(intent_status::succeeded, {}, 100)).empty());
  const auto failed = expect_ok(store.list_by_status(intent_status::failed, tenant_a, 100));
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].id == intent_id{"pi_ls_failed"});
  CHECK(expect_ok(store.list_by_status(intent_status::failed, tenant_b, 100)).empty());
}

// The keys whose result names the intent, of its tenant only, oldest first.
inline void keys_of_intent(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto pi = create_stored(store, new_intent(tenant_a, "pi_ki_one"));
  create_stored(store, new_intent(tenant_a, "pi_ki_other"));
  sut.advance_clock_ms(1'000);
  claim_request rejected;  // a rejection against the intent: a key, no write
  rejected.key = new_key(tenant_a, "confirm-1", fingerprint_2, pi.id);
  rejected.key.op = operation::confirm;
  rejected.key.result.code = static_cast<int>(errc::invalid_state);
  rejected.retention_ms = retention_ms;
  REQUIRE(expect_ok(store.claim(rejected)).status == claim_status::claimed);
  claim_request foreign = rejected;  // another tenant's key naming the same id
  foreign.key.tenant = tenant_b;
  REQUIRE(expect_ok(store.claim(foreign)).status == claim_status::claimed);

  const auto keys = expect_ok(store.keys_of_intent(tenant_a, pi.id));
  REQUIRE(keys.size() == 2);
  CHECK(keys[0] == *expect_ok(store.load_key(tenant_a, idempotency_key{"create-pi_ki_one"})));
  CHECK(keys[1] == *expect_ok(store.load_key(tenant_a, idempotency_key{"confirm-1"})));
  CHECK(keys[1].result.code == static_cast<int>(errc::invalid_state));
  CHECK(expect_ok(store.keys_of_intent(tenant_b, intent_id{"pi_ki_other"})).empty());
  CHECK(expect_ok(store.keys_of_intent(tenant_a, intent_id{"pi_ki_none"})).empty());
}

// A scan in pages of any size reads every entry once, in (tenant, intent,
// sequence) order, exactly as audit_trail answers each chain, so every
// chain it reassembles verifies; a page may end inside a chain.
inline void scan_audit(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  CHECK(expect_ok(store.scan_audit({}, 10)).empty());
  // Two tenants, chains of 1, 2 and 2 entries.
  const auto one = create_stored(store, new_intent(tenant_b, "pi_sa_one"));
  const auto two = create_stored(store, new_intent(tenant_a, "pi_sa_two"));
  moved_to(store, two, intent_status::canceled);
  const auto three = create_with_attempt(store, new_intent(tenant_a, "pi_sa_three"));

  std::vector<audit_entry> expected;
  for (const auto& [t, id] :
       {std::pair{tenant_a, three.id}, std::pair{tenant_a, two.id}, std::pair{tenant_b, one.id}}) {
    const auto trail = expect_ok(store.audit_trail(t, id));
    expected.insert(expected.end(), trail.begin(), trail.end());
  }
  REQUIRE(expected.size() == 5);  // "pi_sa_three" < "pi_sa_two" bytewise and alphabetically

  for (std::size_t page : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{100}}) {
    CAPTURE(page);
    std::vector<audit_entry> scanned;
    audit_position after;
    for (int calls = 0; calls < 20; ++calls) {
      const auto got = expect_ok(store.scan_audit(after, page));
      REQUIRE(got.size() <= page);
      scanned.insert(scanned.end(), got.begin(), got.end());
      if (got.size() < page) break;
      after = {got.back().tenant, got.back().intent, got.back().sequence};
    }
    CHECK(scanned == expected);
  }
  // From a place inside a chain: the rest of it, then the chains after it.
  const auto rest = expect_ok(store.scan_audit({tenant_a, three.id, 1}, 100));
  REQUIRE(rest.size() == 4);
  CHECK(rest[0] == expected[1]);
  // One tenant: start at {tenant, {}, 0}; stop at another's first entry.
  const auto of_b = expect_ok(store.scan_audit({tenant_b, {}, 0}, 100));
  REQUIRE(of_b.size() == 1);
  CHECK(of_b[0] == expected[4]);
}

// Counts by status, unresolved attempts, keys and those past their expiry
// by the store clock, and audit entries.
inline void count_records(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  const auto empty = expect_ok(store.count_records());
  CHECK(empty.intents.empty());
  CHECK(empty.keys == 0);
  CHECK(empty.audit_entries == 0);

  create_stored(store, new_intent(tenant_a, "pi_cr_created"));           // 1 key, 1 entry
  create_with_attempt(store, new_intent(tenant_a, "pi_cr_processing"));  // 1 key, 2 entries
  moved_to(store, create_stored(store, new_intent(tenant_b, "pi_cr_review")),
           intent_status::requires_review);  // 1 key, 2 entries
  sut.advance_clock_ms(retention_ms);
  create_stored(store, new_intent(tenant_b, "pi_cr_young"));  // 1 key, 1 entry, not expired

  const auto counts = expect_ok(store.count_records());
  CHECK(counts.now_ms == expect_ok(store.now_ms()));
  CHECK(counts.intents.size() == 3);
  CHECK(counts.intents.at(intent_status::created) == 2);
  CHECK(counts.intents.at(intent_status::processing) == 1);
  CHECK(counts.intents.at(intent_status::requires_review) == 1);
  CHECK(counts.unresolved_attempts == 1);
  CHECK(counts.keys == 4);
  CHECK(counts.keys_expired == 3);
  CHECK(counts.audit_entries == 6);
}

}  // namespace payintent::testing::conformance

// The operators' queries' cases, for the store named `name`.
#define PAYINTENT_STORE_OPERATOR_CONFORMANCE_SUITE(name, factory_expr)                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "list by status", list_by_status, factory_expr) \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "keys of intent", keys_of_intent, factory_expr) \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "scan audit", scan_audit, factory_expr)         \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "count records", count_records, factory_expr)
