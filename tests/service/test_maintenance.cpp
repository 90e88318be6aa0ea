// Key retention, the crash-point hook, and what shutdown waits for.
#include "support/held_network.hpp"
#include "support/service_fixture.hpp"

#include "payintent/testing/crash_points.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::require_ok;

TEST_CASE("expired keys are purged in batches, never while their attempt is unresolved") {
  std::atomic<std::int64_t> now{1'800'000'000'000};
  memory_store store({.clock = [&] { return now.load(); }});
  test::held_network held;  // answers nothing: the charge below stays in init
  testing::fake_card_network instant;
  auto options = test::test_options();
  options.key_retention = 1h;
  payment_service service(store, instant, options);
  payment_service stuck_service(store, held, options);

  // The outcomes are recorded on the service's pool: wait for them, so the
  // seven attempts are settled before their keys expire.
  charge_params p{.amount = 100, .currency = "EUR", .payment_method = "pm_card_visa",
                  .wait_budget = 10s};
  for (int i = 0; i < 7; ++i) {
    auto r = require_ok(service.charge("acme", "done-" + std::to_string(i), p));
    REQUIRE(r.intent.status == intent_status::succeeded);
  }
  p.wait_budget = 0ms;
  require_ok(stuck_service.charge("acme", "stuck", p));

  CHECK(require_ok(service.purge_expired_keys(3)) == 0);  // nothing expired yet
  now += 3'600'001;
  CHECK(require_ok(service.purge_expired_keys(3)) == 7);  // 3 + 3 + 1
  CHECK_FALSE(require_ok(store.load_key(tenant_id("acme"), idempotency_key("done-0"))));
  CHECK(require_ok(store.load_key(tenant_id("acme"), idempotency_key("stuck"))));
  CHECK(require_ok(service.purge_expired_keys(3)) == 0);
  held.release(network_outcome::approved());
}

namespace {

std::mutex seen_mutex;
std::vector<std::string> seen;

void record_point(std::string_view point) noexcept {
  std::lock_guard lock(seen_mutex);
  seen.emplace_back(point);
}

}  // namespace

TEST_CASE("a charge passes its crash points in protocol order") {
  test::service_fixture f;
  seen.clear();
  testing::set_crash_hook(record_point);
  require_ok(f.service.charge("acme", "hooked", f.card()));
  testing::set_crash_hook(nullptr);
  // The fake answers inline, so the outcome is received before
  // async_authorize returns, and recorded on this thread right after it: the
  // order is fixed.
  const std::vector<std::string> expected{"claim.committed", "outcome.received",
                                          "authorize.sent", "outcome.committed"};
  CHECK(seen == expected);
  for (const auto& point : seen) {
    CHECK(std::find(testing::all_crash_points.begin(), testing::all_crash_points.end(), point) !=
          testing::all_crash_points.end());
  }
}

TEST_CASE("an outcome the network hands over inline is recorded on the calling thread") {
  // No hop to the service's pool: every transition of a synchronous charge
  // against an instant network commits on the caller's own thread.
  std::mutex m;
  std::vector<std::thread::id> committed_on;
  auto options = test::test_options();
  options.on_transition = [&](const transition&) {
    std::lock_guard lock(m);
    committed_on.push_back(std::this_thread::get_id());
  };
  test::service_fixture f({}, options);
  const auto r = require_ok(f.service.charge("acme", "inline", f.card()));
  CHECK(r.intent.status == intent_status::succeeded);
  std::lock_guard lock(m);
  REQUIRE(committed_on.size() == 5);  // created, processing, init; authorized, succeeded
  for (const auto& id : committed_on) CHECK(id == std::this_thread::get_id());
}

TEST_CASE("destroying the service waits for attempts in flight to record their outcomes") {
  // Each charge returns at its zero wait budget, processing, while its
  // authorization is still on the network's threads. The service's
  // destructor must wait until every outcome is recorded: had it returned
  // early, the outcomes would arrive after its pool was gone and the store
  // would keep the attempts in init.
  memory_store store;
  testing::fake_card_network network({.min_latency = 150ms, .max_latency = 250ms});
  std::vector<intent_id> ids;
  {
    payment_service service(store, network, test::test_options());
    for (int i = 0; i < 8; ++i) {
      auto params = test::card_charge();
      params.wait_budget = 0ms;
      const auto r = require_ok(service.charge("acme", "in-flight-" + std::to_string(i), params));
      CHECK(r.intent.status == intent_status::processing);
      ids.push_back(r.intent.id);
    }
  }
  CHECK(network.authorizations() == ids.size());
  for (const intent_id& id : ids) {
    const auto stored = require_ok(store.load(tenant_id("acme"), id));
    REQUIRE(stored.has_value());
    CHECK(stored->status == intent_status::succeeded);
    REQUIRE(stored->attempts.size() == 1);
    CHECK(stored->attempts[0].state == attempt_state::authorized);
  }
}
