// payintent::testing — the store conformance suite (docs/adapters.md).
//
// The same cases run against every store: the bundled memory and SQLite
// stores, and the one you write. A store that passes them honours the
// idempotency_store contract as far as one process can observe it, so the
// engine is exactly-once on it. In one doctest test file of your project:
//
//   #include <doctest/doctest.h>
//   #include <payintent/testing/store_conformance.hpp>
//
//   payintent::testing::store_under_test make_my_store() {
//     payintent::testing::manual_clock clock;
//     payintent::testing::store_under_test s;
//     s.store = my_store::open({.clock = clock.as_function(), ...});  // fresh and empty
//     s.advance_clock_ms = [clock](std::int64_t ms) { clock.advance(ms); };
//     return s;
//   }
//
//   PAYINTENT_STORE_CONFORMANCE_SUITE("my_store", make_my_store())
//
// The macro defines one doctest TEST_CASE per case, named
// "conformance[my_store]: <case>", so `-tc="conformance[my_store]*"` runs them
// and a failure names the store and the case. `factory_expr` is evaluated
// once per case and must yield a fresh, empty store whose clock only
// advance_clock_ms moves: leases and key retention are tested by advancing it.
//
// What is covered: every claim outcome (claimed, replay, mismatch) and what it
// stores; replays return the stored record unchanged; the key is checked
// before the write's preconditions; version_conflict, not_found and the
// next-attempt-number rule; fencing (checked before the version); lease
// takeover only after expiry by the store clock; atomicity (a failed claim or
// commit leaves no key, intent, attempt or audit entry); the audit chain
// (stamped, sealed, per-intent sequences, verify_audit); purge (expired only,
// in batches, never a key guarding an unresolved attempt); tenant isolation;
// list_unresolved (states, order, lease_expired by the store clock);
// list_requires_action (status, cutoff, order, limit); and
// 8 threads x 200 operations racing claims and fenced commits.
//
// Not covered (test them yourself): several processes or servers sharing a
// store, crash durability, and your store's fault mapping (disk full,
// read-only, corruption, lock timeouts).
#pragma once

#include "payintent/testing/conformance/capture_cases.hpp"
#include "payintent/testing/conformance/claim_cases.hpp"
#include "payintent/testing/conformance/concurrency_cases.hpp"
#include "payintent/testing/conformance/fixtures.hpp"
#include "payintent/testing/conformance/record_cases.hpp"
#include "payintent/testing/conformance/write_cases.hpp"

// One TEST_CASE running conformance case `fn` on stores from `factory_expr`.
#define PAYINTENT_STORE_CONFORMANCE_CASE(name, title, fn, factory_expr)             \
  TEST_CASE("conformance[" name "]: " title) {                                      \
    ::payintent::testing::conformance::fn(::payintent::testing::store_factory(      \
        [&]() -> ::payintent::testing::store_under_test { return factory_expr; })); \
  }

// Every conformance case, for the store named `name` (a string literal).
#define PAYINTENT_STORE_CONFORMANCE_SUITE(name, factory_expr)                                      \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "store clock", store_clock, factory_expr)                 \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "claim statuses", claim_statuses, factory_expr)           \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "replay returns the stored record",                       \
                                   replay_returns_stored_record, factory_expr)                     \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "key checked before preconditions",                       \
                                   key_checked_before_preconditions, factory_expr)                 \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "failed claim writes nothing",                            \
                                   failed_claim_writes_nothing, factory_expr)                      \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "round trip", round_trip, factory_expr)                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "version checks", version_checks, factory_expr)           \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "attempt numbers", attempt_numbers, factory_expr)         \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "fencing", fencing, factory_expr)                         \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "lease takeover", lease_takeover, factory_expr)           \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "audit chain", audit_chain, factory_expr)                 \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "purge expired keys", purge_expired_keys, factory_expr)   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "tenant isolation", tenant_isolation, factory_expr)       \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "list unresolved", list_unresolved, factory_expr)         \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "list requires_action", list_requires_action,             \
                                   factory_expr)                                                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "racing claims of one key", racing_claims_of_one_key,     \
                                   factory_expr)                                                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "racing claims of many keys", racing_claims_of_many_keys, \
                                   factory_expr)                                                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "distinct keys", distinct_keys, factory_expr)             \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "concurrent fenced commits", concurrent_fenced_commits,   \
                                   factory_expr)                                                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "capture records", capture_records, factory_expr)         \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "list requires_capture", list_requires_capture,           \
                                   factory_expr)                                                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "racing refund claims", racing_refund_claims, factory_expr)
