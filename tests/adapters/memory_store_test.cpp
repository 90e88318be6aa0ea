// The in-memory store against the idempotency_store contract, with a manual
// clock so leases and keys expire on demand.
#include "payintent/memory_store.hpp"
#include "payintent/audit.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;

namespace {

struct manual_clock {
  std::shared_ptr<std::atomic<std::int64_t>> now =
      std::make_shared<std::atomic<std::int64_t>>(1'700'000'000'000);
  memory_store_options options() const {
    auto n = now;
    return memory_store_options{[n] { return n->load(); }};
  }
  void advance(std::int64_t ms) const { *now += ms; }
};

const tenant_id tenant_a{"tenant_a"};
const tenant_id tenant_b{"tenant_b"};

payment_intent make_intent(const tenant_id& t, const std::string& id) {
  payment_intent pi;
  pi.id = intent_id{id};
  pi.tenant = t;
  pi.amount = money{1000, find_currency("EUR")};
  pi.status = intent_status::processing;
  pi.payment_method = "pm_card_visa";
  return pi;
}

attempt make_attempt(const intent_id& id, int number, std::uint64_t fence) {
  attempt a;
  a.number = number;
  a.reference = id.str() + "-a" + std::to_string(number);
  a.state = attempt_state::init;
  a.payment_method = "pm_card_visa";
  a.fence = fence;
  a.node_id = "node-1";
  return a;
}

// A write creating intent `id` with attempt 1 (init, fence 1, leased).
intent_write create_write(const tenant_id& t, const std::string& id, std::int64_t ttl = 1000) {
  intent_write w;
  w.intent = make_intent(t, id);
  w.expected_version = 0;
  w.attempt = attempt_write{make_attempt(w.intent.id, 1, 1), std::nullopt, false, ttl};
  w.audit = {{0, "intent.created", "", "created", ""}, {1, "attempt.created", "", "init", ""}};
  w.node_id = "node-1";
  return w;
}

// A write moving attempt `number` of an intent at `version` to `state`.
intent_write attempt_update(const tenant_id& t, const std::string& id, std::uint64_t version,
                            int number, std::uint64_t expected_fence, std::uint64_t new_fence,
                            attempt_state state) {
  intent_write w;
  w.intent = make_intent(t, id);
  w.expected_version = version;
  auto a = make_attempt(w.intent.id, number, new_fence);
  a.state = state;
  w.attempt = attempt_write{a, expected_fence, false, 0};
  w.audit = {{number, "attempt.updated", "init", std::string(to_string(state)), ""}};
  w.node_id = "node-2";
  return w;
}

claim_request make_claim(const tenant_id& t, const std::string& key, const std::string& fp,
                         std::optional<intent_write> write, const std::string& intent = "",
                         int attempt_number = 0) {
  claim_request r;
  r.key.tenant = t;
  r.key.key = idempotency_key{key};
  r.key.op = operation::charge;
  r.key.fingerprint = fp;
  r.key.fingerprint_version = 1;
  r.key.result.intent = intent_id{intent};
  r.key.result.attempt_number = attempt_number;
  r.retention_ms = 60'000;
  r.write = std::move(write);
  return r;
}

}  // namespace

TEST_CASE("claim: new key, replay, mismatch") {
  manual_clock clock;
  memory_store store(clock.options());
  const auto t0 = clock.now->load();

  auto first = store.claim(make_claim(tenant_a, "k1", "fp1", create_write(tenant_a, "pi_1")));
  REQUIRE(first);
  CHECK(first.value().status == claim_status::claimed);
  CHECK(first.value().receipt.version == 1);
  CHECK(first.value().receipt.store_time_ms == t0);
  CHECK(first.value().receipt.lease_expires_at_ms == t0 + 1000);

  auto loaded = store.load(tenant_a, intent_id{"pi_1"});
  REQUIRE(loaded);
  REQUIRE(loaded.value());
  const auto& pi = *loaded.value();
  CHECK(pi.version == 1);
  CHECK(pi.created_at_ms == t0);
  CHECK(pi.updated_at_ms == t0);
  REQUIRE(pi.attempts.size() == 1);
  CHECK(pi.attempts[0].fence == 1);
  CHECK(pi.attempts[0].created_at_ms == t0);
  CHECK(pi.attempts[0].lease_expires_at_ms == t0 + 1000);

  auto key = store.load_key(tenant_a, idempotency_key{"k1"});
  REQUIRE(key);
  REQUIRE(key.value());
  CHECK(key.value()->created_at_ms == t0);
  CHECK(key.value()->expires_at_ms == t0 + 60'000);

  clock.advance(5);
  auto again = store.claim(make_claim(tenant_a, "k1", "fp1", create_write(tenant_a, "pi_other")));
  REQUIRE(again);
  CHECK(again.value().status == claim_status::replay);
  CHECK(again.value().existing == *key.value());
  CHECK_FALSE(store.load(tenant_a, intent_id{"pi_other"}).value());

  auto other = store.claim(make_claim(tenant_a, "k1", "fp2", std::nullopt));
  REQUIRE(other);
  CHECK(other.value().status == claim_status::mismatch);
  CHECK(other.value().existing.fingerprint == "fp1");
}

TEST_CASE("claim: a failed write stores no key") {
  manual_clock clock;
  memory_store store(clock.options());
  REQUIRE(store.claim(make_claim(tenant_a, "k1", "fp", create_write(tenant_a, "pi_1"))));

  auto dup = store.claim(make_claim(tenant_a, "k2", "fp", create_write(tenant_a, "pi_1")));
  REQUIRE_FALSE(dup);
  CHECK(dup.error() == errc::version_conflict);
  CHECK_FALSE(store.load_key(tenant_a, idempotency_key{"k2"}).value());

  auto missing = store.claim(
      make_claim(tenant_a, "k3", "fp",
                 attempt_update(tenant_a, "pi_missing", 1, 1, 1, 1, attempt_state::authorized)));
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == errc::not_found);
  CHECK_FALSE(store.load_key(tenant_a, idempotency_key{"k3"}).value());

  auto bare = store.claim(make_claim(tenant_a, "k4", "fp", std::nullopt));
  REQUIRE(bare);
  CHECK(bare.value().status == claim_status::claimed);
}

TEST_CASE("commit: version_conflict, not_found, fenced_out") {
  manual_clock clock;
  memory_store store(clock.options());
  REQUIRE(store.claim(make_claim(tenant_a, "k1", "fp", create_write(tenant_a, "pi_1"))));

  auto stale =
      store.commit(attempt_update(tenant_a, "pi_1", 7, 1, 1, 1, attempt_state::authorized));
  REQUIRE_FALSE(stale);
  CHECK(stale.error() == errc::version_conflict);

  auto none = store.commit(attempt_update(tenant_a, "pi_x", 1, 1, 1, 1, attempt_state::authorized));
  REQUIRE_FALSE(none);
  CHECK(none.error() == errc::not_found);

  auto no_attempt =
      store.commit(attempt_update(tenant_a, "pi_1", 1, 2, 1, 1, attempt_state::authorized));
  REQUIRE_FALSE(no_attempt);
  CHECK(no_attempt.error() == errc::not_found);

  // Fence is checked before the version: a stale holder learns it lost.
  auto fenced =
      store.commit(attempt_update(tenant_a, "pi_1", 7, 1, 9, 9, attempt_state::authorized));
  REQUIRE_FALSE(fenced);
  CHECK(fenced.error() == errc::fenced_out);

  // Inserting an attempt out of order.
  auto skip = create_write(tenant_a, "pi_1");
  skip.expected_version = 1;
  skip.attempt->value = make_attempt(intent_id{"pi_1"}, 3, 1);
  auto skipped = store.commit(skip);
  REQUIRE_FALSE(skipped);
  CHECK(skipped.error() == errc::version_conflict);

  clock.advance(10);
  auto ok = store.commit(attempt_update(tenant_a, "pi_1", 1, 1, 1, 1, attempt_state::authorized));
  REQUIRE(ok);
  CHECK(ok.value().version == 2);
  auto pi = store.load(tenant_a, intent_id{"pi_1"}).value().value();
  CHECK(pi.version == 2);
  CHECK(pi.updated_at_ms == clock.now->load());
  CHECK(pi.created_at_ms == clock.now->load() - 10);
  CHECK(pi.attempts[0].state == attempt_state::authorized);
  CHECK(pi.attempts[0].updated_at_ms == clock.now->load());
  CHECK(pi.attempts[0].created_at_ms == clock.now->load() - 10);

  // A second attempt is inserted with the next number.
  auto second = create_write(tenant_a, "pi_1");
  second.expected_version = 2;
  second.attempt->value = make_attempt(intent_id{"pi_1"}, 2, 1);
  REQUIRE(store.commit(second));
  CHECK(store.load(tenant_a, intent_id{"pi_1"}).value()->attempts.size() == 2);
}

TEST_CASE("lease takeover only after the lease expires by the store clock") {
  manual_clock clock;
  memory_store store(clock.options());
  REQUIRE(store.claim(make_claim(tenant_a, "k1", "fp", create_write(tenant_a, "pi_1", 1000))));

  auto takeover = attempt_update(tenant_a, "pi_1", 1, 1, 1, 2, attempt_state::init);
  takeover.attempt->require_lease_expired = true;
  takeover.attempt->lease_ttl_ms = 500;

  clock.advance(999);
  auto early = store.commit(takeover);
  REQUIRE_FALSE(early);
  CHECK(early.error() == errc::version_conflict);

  clock.advance(1);
  auto taken = store.commit(takeover);
  REQUIRE(taken);
  CHECK(taken.value().lease_expires_at_ms == clock.now->load() + 500);

  // The old holder (fence 1) is fenced out now.
  auto late = store.commit(attempt_update(tenant_a, "pi_1", 2, 1, 1, 1, attempt_state::authorized));
  REQUIRE_FALSE(late);
  CHECK(late.error() == errc::fenced_out);

  auto audit = store.audit_trail(tenant_a, intent_id{"pi_1"}).value();
  REQUIRE(audit.size() == 3);
  CHECK(audit.back().fence == 2);
  CHECK(audit.back().node_id == "node-2");
}

TEST_CASE("list_unresolved: oldest lease first, resolved attempts leave") {
  manual_clock clock;
  memory_store store(clock.options());
  REQUIRE(store.claim(make_claim(tenant_a, "k1", "fp", create_write(tenant_a, "pi_1", 3000))));
  REQUIRE(store.claim(make_claim(tenant_b, "k2", "fp", create_write(tenant_b, "pi_2", 1000))));
  REQUIRE(store.claim(make_claim(tenant_a, "k3", "fp", create_write(tenant_a, "pi_3", 2000))));

  clock.advance(1500);
  auto list = store.list_unresolved(10).value();
  REQUIRE(list.size() == 3);
  CHECK(list[0].intent == intent_id{"pi_2"});
  CHECK(list[0].tenant == tenant_b);
  CHECK(list[0].lease_expired);
  CHECK(list[1].intent == intent_id{"pi_3"});
  CHECK_FALSE(list[1].lease_expired);
  CHECK(list[2].intent == intent_id{"pi_1"});
  CHECK(list[2].state == attempt_state::init);
  CHECK(list[2].attempt_number == 1);

  CHECK(store.list_unresolved(2).value().size() == 2);

  REQUIRE(store.commit(attempt_update(tenant_b, "pi_2", 1, 1, 1, 1, attempt_state::authorized)));
  auto pending = attempt_update(tenant_a, "pi_3", 1, 1, 1, 1, attempt_state::pending);
  pending.attempt->lease_ttl_ms = 100;
  REQUIRE(store.commit(pending));
  list = store.list_unresolved(10).value();
  REQUIRE(list.size() == 2);
  CHECK(list[0].intent == intent_id{"pi_3"});
  CHECK(list[0].state == attempt_state::pending);
  CHECK(list[1].intent == intent_id{"pi_1"});
}

TEST_CASE("list_unresolved and purge span every shard: the oldest leases, the limit exact") {
  // 500 intents land in every shard; leases are a permutation of 1..500 s.
  manual_clock clock;
  memory_store store(clock.options());
  constexpr int n = 500;
  for (int i = 0; i < n; ++i) {
    const int lease_s = 1 + (i * 7) % n;  // 7 is coprime with 500
    const std::string id = "pi_many_" + std::to_string(i);
    REQUIRE(store.claim(make_claim(tenant_a, "key-" + std::to_string(i), "fp",
                                   create_write(tenant_a, id, lease_s * 1000LL), id, 1)));
  }
  const auto oldest = store.list_unresolved(40).value();
  REQUIRE(oldest.size() == 40);
  for (std::size_t k = 0; k < oldest.size(); ++k) {
    CHECK(oldest[k].lease_expires_at_ms == 1'700'000'000'000 + (static_cast<std::int64_t>(k) + 1) * 1000);
  }
  CHECK(store.list_unresolved(10'000).value().size() == n);

  // Keys guard their unresolved attempts; once resolved, a limit is exact.
  clock.advance(60'000);
  CHECK(store.purge_expired_keys(1000).value() == 0);
  for (int i = 0; i < n; ++i) {
    REQUIRE(store.commit(attempt_update(tenant_a, "pi_many_" + std::to_string(i), 1, 1, 1, 1,
                                        attempt_state::authorized)));
  }
  CHECK(store.list_unresolved(10'000).value().empty());
  CHECK(store.purge_expired_keys(123).value() == 123);
  CHECK(store.purge_expired_keys(1000).value() == n - 123);
  CHECK(store.purge_expired_keys(1000).value() == 0);
}

TEST_CASE("purge_expired_keys skips keys whose attempt is unresolved") {
  manual_clock clock;
  memory_store store(clock.options());
  REQUIRE(store.claim(make_claim(tenant_a, "k1", "fp", create_write(tenant_a, "pi_1"), "pi_1", 1)));
  REQUIRE(store.claim(make_claim(tenant_a, "k2", "fp", create_write(tenant_a, "pi_2"), "pi_2", 1)));
  REQUIRE(store.commit(attempt_update(tenant_a, "pi_2", 1, 1, 1, 1, attempt_state::declined)));
  for (int i = 0; i < 5; ++i)
    REQUIRE(store.claim(make_claim(tenant_b, "bare" + std::to_string(i), "fp", std::nullopt)));

  CHECK(store.purge_expired_keys(100).value() == 0);  // nothing expired yet
  clock.advance(60'000);
  CHECK(store.purge_expired_keys(3).value() == 3);
  CHECK(store.purge_expired_keys(100).value() == 3);
  CHECK(store.purge_expired_keys(100).value() == 0);
  CHECK(store.load_key(tenant_a, idempotency_key{"k1"}).value());
  CHECK_FALSE(store.load_key(tenant_a, idempotency_key{"k2"}).value());

  REQUIRE(store.commit(attempt_update(tenant_a, "pi_1", 1, 1, 1, 1, attempt_state::authorized)));
  CHECK(store.purge_expired_keys(100).value() == 1);
  CHECK_FALSE(store.load_key(tenant_a, idempotency_key{"k1"}).value());
  CHECK(store.load(tenant_a, intent_id{"pi_1"}).value());  // intents are kept
}

TEST_CASE("audit chain is sealed per intent and tampering is detected") {
  manual_clock clock;
  memory_store store(clock.options());
  REQUIRE(store.claim(make_claim(tenant_a, "k1", "fp", create_write(tenant_a, "pi_1"))));
  clock.advance(7);
  REQUIRE(store.commit(attempt_update(tenant_a, "pi_1", 1, 1, 1, 1, attempt_state::authorized)));

  auto trail = store.audit_trail(tenant_a, intent_id{"pi_1"}).value();
  REQUIRE(trail.size() == 3);
  for (std::size_t i = 0; i < trail.size(); ++i) CHECK(trail[i].sequence == i + 1);
  CHECK(trail[0].prev_hash == audit_genesis_hash);
  CHECK(trail[1].prev_hash == trail[0].hash);
  CHECK(trail[2].prev_hash == trail[1].hash);
  CHECK(trail[0].event == "intent.created");
  CHECK(trail[0].tenant == tenant_a);
  CHECK(trail[0].fence == 1);
  CHECK(trail[2].time_ms == clock.now->load());
  CHECK(verify_audit(trail).ok);

  auto forged = trail[1];
  forged.to = "authorized";
  CHECK(store.tamper_audit_entry_for_testing(tenant_a, intent_id{"pi_1"}, forged));
  auto check = verify_audit(store.audit_trail(tenant_a, intent_id{"pi_1"}).value());
  CHECK_FALSE(check.ok);
  CHECK(check.first_broken_sequence == 2);

  forged.sequence = 99;
  CHECK_FALSE(store.tamper_audit_entry_for_testing(tenant_a, intent_id{"pi_1"}, forged));
  CHECK(store.audit_trail(tenant_a, intent_id{"pi_nope"}).value().empty());
}

TEST_CASE("a tamper the store cannot keep is refused, and a re-sealed entry breaks its successor") {
  manual_clock clock;
  memory_store store(clock.options());
  REQUIRE(store.claim(make_claim(tenant_a, "k1", "fp", create_write(tenant_a, "pi_1"))));
  REQUIRE(store.commit(attempt_update(tenant_a, "pi_1", 1, 1, 1, 1, attempt_state::authorized)));
  const auto trail = store.audit_trail(tenant_a, intent_id{"pi_1"}).value();
  REQUIRE(trail.size() == 3);

  // Hashes are kept as raw bytes and prev_hash is derived from the chain:
  // what cannot be kept that way is refused, and nothing changes.
  auto odd = trail[1];
  odd.to = "authorized";
  odd.hash = "not-hex";
  CHECK_FALSE(store.tamper_audit_entry_for_testing(tenant_a, intent_id{"pi_1"}, odd));
  odd.hash = trail[1].hash;
  odd.prev_hash = trail[1].hash;  // not entry 1's hash
  CHECK_FALSE(store.tamper_audit_entry_for_testing(tenant_a, intent_id{"pi_1"}, odd));
  CHECK(store.audit_trail(tenant_a, intent_id{"pi_1"}).value() == trail);
  CHECK(verify_audit(trail).ok);

  // A forger who re-seals entry 2 consistently still breaks entry 3, whose
  // hash committed to entry 2's old hash.
  auto resealed = trail[1];
  resealed.to = "authorized";
  resealed.hash = audit_entry_hash(resealed);
  REQUIRE(store.tamper_audit_entry_for_testing(tenant_a, intent_id{"pi_1"}, resealed));
  const auto after = store.audit_trail(tenant_a, intent_id{"pi_1"}).value();
  CHECK(after[1] == resealed);
  CHECK(after[2].prev_hash == resealed.hash);
  const auto verdict = verify_audit(after);
  CHECK_FALSE(verdict.ok);
  CHECK(verdict.first_broken_sequence == 3);
}

TEST_CASE("tenants are isolated") {
  manual_clock clock;
  memory_store store(clock.options());
  auto a = store.claim(make_claim(tenant_a, "same", "fp_a", create_write(tenant_a, "pi_1")));
  auto b = store.claim(make_claim(tenant_b, "same", "fp_b", create_write(tenant_b, "pi_1")));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a.value().status == claim_status::claimed);
  CHECK(b.value().status == claim_status::claimed);
  CHECK(store.load_key(tenant_b, idempotency_key{"same"}).value()->fingerprint == "fp_b");

  REQUIRE(store.claim(make_claim(tenant_a, "k2", "fp", create_write(tenant_a, "pi_only_a"))));
  CHECK_FALSE(store.load(tenant_b, intent_id{"pi_only_a"}).value());
  CHECK(store.audit_trail(tenant_b, intent_id{"pi_only_a"}).value().empty());
  auto cross =
      store.commit(attempt_update(tenant_b, "pi_only_a", 1, 1, 1, 1, attempt_state::authorized));
  REQUIRE_FALSE(cross);
  CHECK(cross.error() == errc::not_found);
}

TEST_CASE("16 threads x 1000 distinct claims are all stored") {
  memory_store store;
  constexpr int threads = 16, per_thread = 1000;
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string id = "pi_" + std::to_string(t) + "_" + std::to_string(i);
        auto r = store.claim(make_claim(tenant_a, "key-" + id, "fp", create_write(tenant_a, id)));
        if (!r || r.value().status != claim_status::claimed) ++failures;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(failures == 0);

  int missing = 0;
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; ++i) {
      const std::string id = "pi_" + std::to_string(t) + "_" + std::to_string(i);
      if (!store.load(tenant_a, intent_id{id}).value()) ++missing;
      if (!store.load_key(tenant_a, idempotency_key{"key-" + id}).value()) ++missing;
    }
  }
  CHECK(missing == 0);
  CHECK(store.list_unresolved(100'000).value().size() == threads * per_thread);
}

TEST_CASE("16 threads racing one key: exactly one claims") {
  memory_store store;
  std::atomic<int> claimed{0}, replayed{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < 16; ++t) {
    pool.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      auto r = store.claim(make_claim(tenant_a, "hot", "fp",
                                      create_write(tenant_a, "pi_race_" + std::to_string(t))));
      if (r && r.value().status == claim_status::claimed) {
        ++claimed;
      } else if (r && r.value().status == claim_status::replay) {
        ++replayed;
      } else {
        ++other;
      }
    });
  }
  go = true;
  for (auto& th : pool) th.join();
  CHECK(claimed == 1);
  CHECK(replayed == 15);
  CHECK(other == 0);
  int intents = 0;
  for (int t = 0; t < 16; ++t)
    if (store.load(tenant_a, intent_id{"pi_race_" + std::to_string(t)}).value()) ++intents;
  CHECK(intents == 1);
}

TEST_CASE("concurrent writers to one intent: every commit lands once, chain verifies") {
  memory_store store;
  REQUIRE(store.claim(make_claim(tenant_a, "k0", "fp", create_write(tenant_a, "pi_hot"))));
  constexpr int threads = 8, per_thread = 200;
  std::atomic<int> errors{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int done = 0; done < per_thread;) {
        auto pi = store.load(tenant_a, intent_id{"pi_hot"});
        if (!pi || !pi.value()) {
          ++errors;
          return;
        }
        intent_write w;
        w.intent = *pi.value();
        w.expected_version = pi.value()->version;
        w.audit = {{0, "intent.touched", "processing", "processing", ""}};
        w.node_id = "node-x";
        auto r = store.commit(w);
        if (r) {
          ++done;
        } else if (r.error() != errc::version_conflict) {
          ++errors;
          return;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(errors == 0);
  auto pi = store.load(tenant_a, intent_id{"pi_hot"}).value();
  REQUIRE(pi);
  CHECK(pi->version == 1 + threads * per_thread);
  auto trail = store.audit_trail(tenant_a, intent_id{"pi_hot"}).value();
  CHECK(trail.size() == 2 + threads * per_thread);
  CHECK(verify_audit(trail).ok);
}

TEST_CASE("racing creations of one intent under distinct keys: one wins, losers store no key") {
  memory_store store;
  std::atomic<int> claimed{0}, conflicts{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      auto r = store.claim(
          make_claim(tenant_a, "key-" + std::to_string(t), "fp", create_write(tenant_a, "pi_one")));
      if (r && r.value().status == claim_status::claimed) ++claimed;
      if (!r && r.error() == errc::version_conflict) ++conflicts;
    });
  }
  go = true;
  for (auto& th : pool) th.join();
  CHECK(claimed == 1);
  CHECK(conflicts == 7);
  int keys = 0;
  for (int t = 0; t < 8; ++t)
    if (store.load_key(tenant_a, idempotency_key{"key-" + std::to_string(t)}).value()) ++keys;
  CHECK(keys == 1);
  CHECK(store.list_unresolved(10).value().size() == 1);
  CHECK(store.audit_trail(tenant_a, intent_id{"pi_one"}).value().size() == 2);
}
