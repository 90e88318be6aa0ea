// payintent::testing — building blocks of the store conformance suite.
//
// Included by <payintent/testing/store_conformance.hpp>; see there. Everything
// here is header-only and needs doctest (for REQUIRE/FAIL) but no test
// framework setup beyond that.
#pragma once

#include "payintent/audit.hpp"
#include "payintent/currency.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/ids.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace payintent::testing {

// A clock that moves only when told. Copies share one time, so the copy given
// to a store and the copy a test advances agree. Thread-safe.
class manual_clock {
 public:
  // Default start: 2023-11-14T22:13:20Z, far from 0 so "0 = no lease" is
  // never mistaken for a time.
  explicit manual_clock(std::int64_t start_ms = 1'700'000'000'000)
      : now_(std::make_shared<std::atomic<std::int64_t>>(start_ms)) {}

  std::int64_t now() const noexcept { return now_->load(); }
  void advance(std::int64_t ms) const noexcept { now_->fetch_add(ms); }

  // For a store's `clock` option.
  std::function<std::int64_t()> as_function() const {
    return [now = now_] { return now->load(); };
  }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> now_;
};

// What a conformance factory returns: a fresh, empty store whose clock only
// `advance_clock_ms` moves (a manual_clock wired into the store). Members are
// destroyed bottom-up: the store first, then `resources` (say, an object
// that deletes the store's temporary file).
struct store_under_test {
  std::shared_ptr<void> resources;
  std::unique_ptr<idempotency_store> store;
  std::function<void(std::int64_t)> advance_clock_ms;
};

using store_factory = std::function<store_under_test()>;

namespace conformance {

inline const tenant_id tenant_a{"tenant_a"};
inline const tenant_id tenant_b{"tenant_b"};
inline const std::string fingerprint_1(64, 'a');
inline const std::string fingerprint_2(64, 'b');
inline constexpr std::int64_t retention_ms = 24 * 60 * 60 * 1000;

// "ok" or the error's name ("fenced_out"), so a failed CHECK prints both sides.
template <class T>
std::string outcome_of(const result<T>& r) {
  if (r) return "ok";
  if (r.error().category() == payintent_category()) {
    return fmt::format("{}", static_cast<errc>(r.error().value()));
  }
  return r.error().to_string();
}
inline std::string name_of(errc e) {
  return fmt::format("{}", e);
}
inline std::string name_of(claim_status s) {
  return fmt::format("{}", s);
}

// The value of a call that must succeed; fails the test case otherwise.
template <class T>
T expect_ok(result<T> r) {
  if (!r) FAIL("store call failed: " << outcome_of(r));
  return std::move(r).value();
}
inline void expect_ok(result<void> r) {
  if (!r) FAIL("store call failed: " << outcome_of(r));
}

inline payment_intent new_intent(const tenant_id& tenant, const std::string& id) {
  payment_intent pi;
  pi.id = intent_id{id};
  pi.tenant = tenant;
  pi.amount = money{1050, find_currency("EUR")};
  pi.status = intent_status::created;
  pi.payment_method = "pm_card_visa";
  pi.description = "order \"A-17\"\nsecond line";
  pi.metadata = {{"order", "A-17"}, {"quote", "say \"hi\" \\ bye"}, {"unicode", "caf\xc3\xa9"}};
  return pi;
}

inline attempt new_attempt(const payment_intent& pi, int number, std::uint64_t fence,
                           attempt_state state = attempt_state::init) {
  attempt a;
  a.number = number;
  a.reference = attempt_reference(pi.id, number);
  a.state = state;
  a.payment_method = pi.payment_method;
  a.fence = fence;
  a.node_id = "node-a";
  return a;
}

inline audit_event event(std::string name, std::string from, std::string to, int attempt = 0) {
  return audit_event{attempt, std::move(name), std::move(from), std::move(to), ""};
}

// Inserts `pi` (expected_version 0) with one "intent.created" audit event.
inline intent_write create_write(const payment_intent& pi) {
  intent_write w;
  w.intent = pi;
  w.expected_version = 0;
  w.audit = {event("intent.created", "", "created")};
  w.node_id = "node-a";
  return w;
}

// Moves a stored intent to processing with a new attempt `number` holding
// `fence` for `lease_ttl_ms`.
inline intent_write start_attempt_write(const payment_intent& stored, int number,
                                        std::uint64_t fence, std::int64_t lease_ttl_ms = 30'000) {
  intent_write w;
  w.intent = stored;
  w.intent.status = intent_status::processing;
  w.expected_version = stored.version;
  w.attempt = attempt_write{new_attempt(stored, number, fence), std::nullopt, false, lease_ttl_ms};
  w.audit = {event("attempt.created", "", "init", number)};
  w.node_id = "node-a";
  return w;
}

// Writes the outcome `state` of attempt `number` as the holder of `fence`.
inline intent_write outcome_write(const payment_intent& stored, int number, std::uint64_t fence,
                                  attempt_state state, std::uint64_t expected_version) {
  intent_write w;
  w.intent = stored;
  w.intent.status =
      state == attempt_state::authorized ? intent_status::succeeded : intent_status::processing;
  w.expected_version = expected_version;
  attempt a = stored.attempts.at(static_cast<std::size_t>(number) - 1);
  a.state = state;
  a.lease_expires_at_ms = 0;  // released
  w.attempt = attempt_write{a, fence, false, 0};
  w.audit = {event("attempt.outcome", "init", std::string(to_string(state)), number)};
  w.node_id = "node-b";
  return w;
}

inline key_record new_key(const tenant_id& tenant, const std::string& key,
                          const std::string& fingerprint, const intent_id& intent = {},
                          int attempt_number = 0) {
  key_record k;
  k.tenant = tenant;
  k.key = idempotency_key{key};
  k.op = operation::create_intent;
  k.fingerprint = fingerprint;
  k.fingerprint_version = 1;
  k.result.code = 0;
  k.result.intent = intent;
  k.result.attempt_number = attempt_number;
  return k;
}

// Claims `key` and, with it, creates `pi`.
inline claim_request claim_create(const std::string& key, const payment_intent& pi,
                                  const std::string& fingerprint = fingerprint_1) {
  claim_request r;
  r.key = new_key(pi.tenant, key, fingerprint, pi.id);
  r.retention_ms = retention_ms;
  r.write = create_write(pi);
  return r;
}

// The stored intent, which must exist.
inline payment_intent must_load(idempotency_store& store, const tenant_id& tenant,
                                const intent_id& id) {
  auto loaded = expect_ok(store.load(tenant, id));
  REQUIRE(loaded.has_value());
  return std::move(*loaded);
}

// Creates `pi` under a fresh key and returns it as stored.
inline payment_intent create_stored(idempotency_store& store, const payment_intent& pi) {
  const auto claimed = expect_ok(store.claim(claim_create("create-" + pi.id.str(), pi)));
  REQUIRE(claimed.status == claim_status::claimed);
  return must_load(store, pi.tenant, pi.id);
}

// Creates `pi` with attempt 1 (init, `fence`, lease `ttl`) and returns it.
inline payment_intent create_with_attempt(idempotency_store& store, const payment_intent& pi,
                                          std::uint64_t fence = 1,
                                          std::int64_t lease_ttl_ms = 30'000) {
  const auto created = create_stored(store, pi);
  expect_ok(store.commit(start_attempt_write(created, 1, fence, lease_ttl_ms)));
  return must_load(store, pi.tenant, pi.id);
}

inline std::size_t audit_count(idempotency_store& store, const tenant_id& tenant,
                               const intent_id& id) {
  return expect_ok(store.audit_trail(tenant, id)).size();
}

}  // namespace conformance
}  // namespace payintent::testing
