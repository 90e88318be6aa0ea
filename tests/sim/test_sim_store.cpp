// sim_store over a memory_store on the test world's clock.
#include "sim_store.hpp"
#include "test_doubles.hpp"
#include "test_world.hpp"

#include "payintent/memory_store.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace payintent;
using namespace payintent::sim;
using payintent::sim::test::claim_of;
using payintent::sim::test::test_world;

namespace {

sim_store_options calm_store() {
  sim_store_options o;
  o.latency = o.late_answer = o.busy = o.ack_lost = o.unreachable = 0;
  return o;
}

struct store_fixture {
  test_world world{11};
  memory_store inner{memory_store_options{[this] { return world.now(); }}};
};

}  // namespace

TEST_CASE("sim_store: a lost acknowledgement answers store_unavailable, but the claim committed") {
  store_fixture f;
  auto o = calm_store();
  o.ack_lost = 1;
  sim_store store(f.inner, f.world.hooks(), o);
  auto claimed = store.claim(claim_of("t", "k1", "pi_ack"));
  REQUIRE_FALSE(claimed.has_value());
  CHECK(claimed.error() == errc::store_unavailable);
  auto key = f.inner.load_key(tenant_id("t"), idempotency_key("k1"));
  REQUIRE(key.has_value());
  CHECK(key.value().has_value());
  auto intent = f.inner.load(tenant_id("t"), intent_id("pi_ack"));
  REQUIRE(intent.has_value());
  CHECK(intent.value().has_value());
  CHECK(store.stats().acks_lost == 1);

  store.set_faults(false);
  auto replay = store.claim(claim_of("t", "k1", "pi_ack"));
  REQUIRE(replay.has_value());
  CHECK(replay.value().status == claim_status::replay);
}

TEST_CASE("sim_store: busy answers without reaching the store") {
  store_fixture f;
  auto o = calm_store();
  o.busy = 1;
  sim_store store(f.inner, f.world.hooks(), o);
  auto claimed = store.claim(claim_of("t", "k1", "pi_busy"));
  REQUIRE_FALSE(claimed.has_value());
  CHECK(claimed.error() == errc::busy);
  CHECK_FALSE(f.inner.load_key(tenant_id("t"), idempotency_key("k1")).value().has_value());
  CHECK(store.now_ms().has_value());  // the clock is never refused
}

TEST_CASE("sim_store: latency pauses in virtual time, before and after forwarding") {
  store_fixture f;
  auto o = calm_store();
  o.latency = 1;
  o.late_answer = 1;
  o.max_latency = std::chrono::milliseconds(100);
  sim_store store(f.inner, f.world.hooks(), o);
  const std::int64_t start = f.world.now();
  for (int i = 0; i < 20; ++i) CHECK(store.load(tenant_id("t"), intent_id("pi_x")).has_value());
  CHECK(f.world.now() > start);
  CHECK(f.world.now() - start <= 20 * 200);
  CHECK(store.stats().delayed == 20);
}

TEST_CASE("sim_store: an unreachable window refuses every call inside it, then the store is back") {
  store_fixture f;
  auto o = calm_store();
  o.unreachable = 0.01;
  o.max_unreachable = std::chrono::milliseconds(400);
  sim_store store(f.inner, f.world.hooks(), o);
  std::size_t refused = 0, answered_after_a_window = 0, windows_seen = 0;
  std::int64_t opened_at = 0;
  for (int i = 0; i < 3000; ++i) {
    f.world.advance(1);
    const std::string key = fmt::format("k{}", i);
    auto claimed = store.claim(claim_of("t", key, fmt::format("pi_{}", i)));
    const std::size_t windows = store.stats().windows;
    if (windows > windows_seen) {
      windows_seen = windows;
      opened_at = f.world.now();
    }
    if (claimed) {
      if (windows_seen > 0) ++answered_after_a_window;
      continue;
    }
    ++refused;
    CHECK(claimed.error() == errc::store_unavailable);
    CHECK(f.world.now() - opened_at < o.max_unreachable.count());
    // Refused means unwritten.
    CHECK_FALSE(f.inner.load_key(tenant_id("t"), idempotency_key(key)).value().has_value());
  }
  CHECK(windows_seen > 0);
  CHECK(refused > windows_seen);  // windows last: more calls refused than opened them
  CHECK(answered_after_a_window > 0);
  CHECK(store.stats().unreachable == refused);

  SUBCASE("turning faults off closes the window") {
    store.set_faults(false);
    for (int i = 0; i < 50; ++i) CHECK(store.load(tenant_id("t"), intent_id("pi_0")).has_value());
  }
}

TEST_CASE("sim_store: faults off forwards every call untouched, drawing nothing") {
  store_fixture f;
  sim_store_options o;
  o.faults = false;
  o.busy = 1;
  sim_world_hooks hooks = f.world.hooks();
  int draws = 0;
  hooks.uniform = [&](std::int64_t lo, std::int64_t) {
    ++draws;
    return lo;
  };
  sim_store store(f.inner, hooks, o);
  CHECK(store.claim(claim_of("t", "k", "pi_calm")).has_value());
  CHECK(store.load(tenant_id("t"), intent_id("pi_calm")).value().has_value());
  CHECK(store.list_unresolved(10).value().size() == 1);
  CHECK(store.audit_trail(tenant_id("t"), intent_id("pi_calm")).value().size() == 2);
  CHECK(store.purge_expired_keys(10).has_value());
  CHECK(draws == 0);
}
