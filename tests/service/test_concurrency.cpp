// Exactly-once under concurrent retries (docs/design.md, "Idempotency contract"; docs/recovery.md).
#include "support/service_fixture.hpp"

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::require_ok;
using payintent::test::service_fixture;

namespace {

// Runs `body(i)` on n threads released at once.
template <class F>
void run_together(int n, F body) {
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      body(i);
    });
  }
  for (auto& t : threads) t.join();
}

// A charge retried until it is not idempotency_key_in_use.
result<payment_response> charge_until_answered(payment_service& s, const std::string& key,
                                               const charge_params& p) {
  for (;;) {
    auto r = s.charge("acme", key, p);
    if (r || r.error() != errc::idempotency_key_in_use) return r;
    std::this_thread::sleep_for(5ms);
  }
}

}  // namespace

TEST_CASE("64 threads send the same charge with the same key: one authorization") {
  testing::fake_network_options net;
  net.min_latency = 20ms;
  net.max_latency = 80ms;
  service_fixture f(net);
  const auto params = f.card(4200);
  std::mutex m;
  std::set<intent_id> ids;
  std::atomic<int> fresh{0}, replayed{0}, errors{0};
  run_together(64, [&](int) {
    auto r = charge_until_answered(f.service, "one-tap", params);
    if (!r) {
      ++errors;
      return;
    }
    (r.value().replayed ? replayed : fresh)++;
    CHECK(r.value().intent.status == intent_status::succeeded);
    std::lock_guard lock(m);
    ids.insert(r.value().intent.id);
  });
  CHECK(errors == 0);
  CHECK(fresh == 1);
  CHECK(replayed == 63);
  CHECK(ids.size() == 1);
  CHECK(f.network.authorize_calls() == 1);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("64 servers sharing one store race the same key: one authorization") {
  memory_store store;
  testing::fake_network_options net;
  net.min_latency = 10ms;
  net.max_latency = 40ms;
  testing::fake_card_network network(net);
  std::vector<std::unique_ptr<payment_service>> servers;
  for (int i = 0; i < 64; ++i) {
    service_options o;
    o.node_id = "server-" + std::to_string(i);
    servers.push_back(std::make_unique<payment_service>(store, network, o));
  }
  charge_params p;
  p.amount = 1250;
  p.currency = "USD";
  p.payment_method = testing::pm_approve;
  std::mutex m;
  std::set<intent_id> ids;
  std::atomic<int> fresh{0};
  run_together(64, [&](int i) {
    auto r = charge_until_answered(*servers[static_cast<std::size_t>(i)], "hotel-wifi", p);
    REQUIRE(r.has_value());
    if (!r.value().replayed) ++fresh;
    CHECK(r.value().intent.status == intent_status::succeeded);
    std::lock_guard lock(m);
    ids.insert(r.value().intent.id);
  });
  CHECK(fresh == 1);
  CHECK(ids.size() == 1);
  CHECK(network.authorize_calls() == 1);
}

TEST_CASE("64 threads x 100 distinct keys: 6,400 authorizations and 6,400 intents") {
  service_fixture f;
  const auto params = f.card(100);
  std::mutex m;
  std::set<intent_id> ids;
  std::atomic<int> errors{0};
  run_together(64, [&](int t) {
    std::vector<intent_id> mine;
    for (int k = 0; k < 100; ++k) {
      auto r = f.service.charge("acme", "t" + std::to_string(t) + "-k" + std::to_string(k), params);
      if (!r || r.value().replayed || r.value().intent.status != intent_status::succeeded) {
        ++errors;
        continue;
      }
      mine.push_back(r.value().intent.id);
    }
    std::lock_guard lock(m);
    ids.insert(mine.begin(), mine.end());
  });
  CHECK(errors == 0);
  CHECK(ids.size() == 6400);
  CHECK(f.network.authorizations() == 6400);
  for (const auto& id : ids) {
    CHECK(f.network.authorizations(attempt_reference(id, 1)) == 1);
  }
  // Every intent is in the store, succeeded.
  std::size_t stored = 0;
  for (const auto& id : ids) {
    auto loaded = f.store.load(tenant_id("acme"), id);
    if (loaded && loaded.value() && loaded.value()->status == intent_status::succeeded) ++stored;
  }
  CHECK(stored == 6400);
}

TEST_CASE("confirms with different keys racing on one intent start one attempt") {
  testing::fake_network_options net;
  net.min_latency = 5ms;
  net.max_latency = 20ms;
  service_fixture f(net);
  for (int round = 0; round < 20; ++round) {
    create_params c;
    c.amount = 300;
    c.currency = "EUR";
    c.payment_method = testing::pm_approve;
    auto created = require_ok(f.service.create_intent("acme", "r" + std::to_string(round), c));
    const std::string id = created.intent.id.str();
    std::atomic<int> accepted{0}, refused{0};
    run_together(8, [&](int t) {
      auto r = f.service.confirm("acme", id + "-c" + std::to_string(t), id, {});
      if (r) {
        ++accepted;
      } else {
        CHECK(r.error() == errc::invalid_state);
        ++refused;
      }
    });
    CHECK(accepted == 1);
    CHECK(refused == 7);
    auto final_state = require_ok(f.service.retrieve("acme", id));
    CHECK(final_state.attempts.size() == 1);
  }
  CHECK(f.network.authorize_calls() == 20);
}
