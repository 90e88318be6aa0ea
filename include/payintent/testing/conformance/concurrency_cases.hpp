// payintent::testing — conformance cases for many threads at once.
// Included by <payintent/testing/store_conformance.hpp>.
//
// Worker threads only count outcomes (doctest assertions stay on the test's
// own thread); the test checks the counts afterwards. Transient answers
// (busy, store_unavailable) are retried a bounded number of times, as the
// service would; anything else a worker sees is counted as unexpected.
#pragma once

#include "payintent/testing/conformance/fixtures.hpp"

#include <array>
#include <atomic>
#include <thread>

namespace payintent::testing::conformance {

inline constexpr int hammer_threads = 8;
inline constexpr int hammer_rounds = 200;

template <class F>
auto with_transient_retries(F&& call) -> decltype(call()) {
  for (int tries = 1;; ++tries) {
    auto r = call();
    if (r || tries >= 50 || !is_retryable(r.error()) || r.error() == errc::idempotency_key_in_use) {
      return r;
    }
    std::this_thread::yield();
  }
}

template <class F>
void run_threads(F&& body) {
  std::vector<std::thread> threads;
  threads.reserve(hammer_threads);
  for (int t = 0; t < hammer_threads; ++t) threads.emplace_back([&body, t] { body(t); });
  for (auto& th : threads) th.join();
}

// Every thread claims the same keys: each key is claimed exactly once and
// its write applied once; every other claim is a replay.
inline void racing_claims_of_one_key(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  std::array<std::atomic<int>, hammer_rounds> claimed{};
  std::atomic<int> replays{0}, unexpected{0};
  run_threads([&](int) {
    for (int i = 0; i < hammer_rounds; ++i) {
      const auto pi = new_intent(tenant_a, fmt::format("pi_race_{}", i));
      const auto r = with_transient_retries([&] { return store.claim(claim_create("race", pi)); });
      if (!r) {
        ++unexpected;
      } else if (r.value().status == claim_status::claimed) {
        ++claimed[static_cast<std::size_t>(i)];
      } else if (r.value().status == claim_status::replay &&
                 r.value().existing.result.intent.str() == "pi_race_0") {
        ++replays;
      } else {
        ++unexpected;
      }
    }
  });
  // One key "race": the first claim anywhere wins, everything else replays
  // the record that claim stored.
  CHECK(unexpected.load() == 0);
  int total = 0;
  for (auto& c : claimed) total += c.load();
  CHECK(total == 1);
  CHECK(replays.load() == hammer_threads * hammer_rounds - 1);
  const auto key = expect_ok(store.load_key(tenant_a, idempotency_key{"race"}));
  REQUIRE(key.has_value());
  CHECK(key->result.intent == intent_id{"pi_race_0"});  // only round 0 can have won
  CHECK(must_load(store, tenant_a, intent_id{"pi_race_0"}).version == 1);
  CHECK(audit_count(store, tenant_a, intent_id{"pi_race_0"}) == 1);
  CHECK_FALSE(expect_ok(store.load(tenant_a, intent_id{"pi_race_1"})).has_value());
}

// Every thread races every other for each of many keys, key by key: each
// key is claimed exactly once.
inline void racing_claims_of_many_keys(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  std::array<std::atomic<int>, hammer_rounds> claimed{};
  std::atomic<int> unexpected{0};
  run_threads([&](int) {
    for (int i = 0; i < hammer_rounds; ++i) {
      const auto pi = new_intent(tenant_a, fmt::format("pi_many_{}", i));
      const auto r = with_transient_retries(
          [&] { return store.claim(claim_create(fmt::format("many-{}", i), pi)); });
      if (!r) {
        ++unexpected;
      } else if (r.value().status == claim_status::claimed) {
        ++claimed[static_cast<std::size_t>(i)];
      } else if (r.value().status != claim_status::replay) {
        ++unexpected;
      }
    }
  });
  CHECK(unexpected.load() == 0);
  for (int i = 0; i < hammer_rounds; ++i) {
    INFO("key many-" << i);
    CHECK(claimed[static_cast<std::size_t>(i)].load() == 1);
    CHECK(audit_count(store, tenant_a, intent_id{fmt::format("pi_many_{}", i)}) == 1);
  }
}

// Distinct keys from every thread: all are claimed and all are there.
inline void distinct_keys(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  std::atomic<int> claimed{0}, unexpected{0};
  run_threads([&](int t) {
    for (int i = 0; i < hammer_rounds; ++i) {
      const auto pi = new_intent(tenant_a, fmt::format("pi_t{}_{}", t, i));
      const auto r = with_transient_retries(
          [&] { return store.claim(claim_create(fmt::format("t{}-{}", t, i), pi)); });
      if (r && r.value().status == claim_status::claimed) {
        ++claimed;
      } else {
        ++unexpected;
      }
    }
  });
  CHECK(unexpected.load() == 0);
  CHECK(claimed.load() == hammer_threads * hammer_rounds);
  int present = 0;
  for (int t = 0; t < hammer_threads; ++t) {
    for (int i = 0; i < hammer_rounds; ++i) {
      const auto key =
          expect_ok(store.load_key(tenant_a, idempotency_key{fmt::format("t{}-{}", t, i)}));
      const auto pi = expect_ok(store.load(tenant_a, intent_id{fmt::format("pi_t{}_{}", t, i)}));
      if (key && pi && pi->version == 1) ++present;
    }
  }
  CHECK(present == hammer_threads * hammer_rounds);
}

// Every thread, holding the same fence, writes each attempt's outcome:
// exactly one write per attempt wins, the others are fenced out.
inline void concurrent_fenced_commits(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  std::vector<payment_intent> held;
  held.reserve(hammer_rounds);
  for (int i = 0; i < hammer_rounds; ++i) {
    held.push_back(
        create_with_attempt(store, new_intent(tenant_a, fmt::format("pi_fence_{}", i)), 1));
  }
  std::array<std::atomic<int>, hammer_rounds> wins{};
  std::atomic<int> fenced{0}, unexpected{0};
  run_threads([&](int t) {
    for (int i = 0; i < hammer_rounds; ++i) {
      const auto& h = held[static_cast<std::size_t>(i)];
      // Each writer takes the attempt over with the next fence, as a
      // recovering node would; whoever commits first moves the fence on.
      auto w = outcome_write(h, 1, 1, attempt_state::authorized, h.version);
      w.attempt->value.fence = 2;
      w.node_id = fmt::format("node-{}", t);
      const auto r = with_transient_retries([&] { return store.commit(w); });
      if (r) {
        ++wins[static_cast<std::size_t>(i)];
      } else if (r.error() == errc::fenced_out) {
        ++fenced;
      } else {
        ++unexpected;
      }
    }
  });
  CHECK(unexpected.load() == 0);
  CHECK(fenced.load() == (hammer_threads - 1) * hammer_rounds);
  for (int i = 0; i < hammer_rounds; ++i) {
    INFO("intent pi_fence_" << i);
    CHECK(wins[static_cast<std::size_t>(i)].load() == 1);
    const auto& h = held[static_cast<std::size_t>(i)];
    const auto now = must_load(store, tenant_a, h.id);
    CHECK(now.version == h.version + 1);
    CHECK(now.attempts.at(0).fence == 2);
    const auto trail = expect_ok(store.audit_trail(tenant_a, h.id));
    CHECK(trail.size() == 3);
    CHECK(verify_audit(trail).ok);
  }
}

}  // namespace payintent::testing::conformance
