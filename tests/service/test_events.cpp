// The event outbox as the engine fills it (events.hpp): each transition a
// merchant cares about writes its event with the change, and
// purge_events keeps options().event_retention.
#include "support/service_fixture.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::require_ok;

namespace {

std::vector<std::string> types_of(idempotency_store& store, const std::string& intent) {
  std::vector<std::string> out;
  for (const auto& e : require_ok(store.read_events({0, {}, {}, 1000}))) {
    if (e.intent.str() == intent) out.push_back(e.type);
  }
  return out;
}

}  // namespace

TEST_CASE("the engine's transitions write their events") {
  test::service_fixture f;
  const auto approved = require_ok(f.service.charge("acme", "ok", f.card())).intent;
  CHECK(types_of(f.store, approved.id.str()) ==
        std::vector<std::string>{"payment_intent.processing", "payment_intent.succeeded"});
  const auto declined =
      require_ok(f.service.charge("acme", "no", f.card(1999, testing::pm_decline))).intent;
  CHECK(types_of(f.store, declined.id.str()) ==
        std::vector<std::string>{"payment_intent.processing", "payment_intent.payment_failed"});
  const auto challenged =
      require_ok(f.service.charge("acme", "3ds", f.card(1999, testing::pm_challenge))).intent;
  CHECK(types_of(f.store, challenged.id.str()) ==
        std::vector<std::string>{"payment_intent.processing", "payment_intent.requires_action"});

  charge_params manual = f.card(1000);
  manual.capture_method = capture_method::manual;
  const auto held = require_ok(f.service.charge("acme", "hold", manual)).intent;
  require_ok(f.service.capture("acme", "hold-capture", held.id.str(), {}));
  refund_params part;
  part.amount = 400;
  require_ok(f.service.refund("acme", "hold-refund", held.id.str(), part));
  CHECK(types_of(f.store, held.id.str()) ==
        std::vector<std::string>{"payment_intent.processing",
                                 "payment_intent.amount_capturable_updated",
                                 "payment_intent.processing", "charge.captured",
                                 "payment_intent.succeeded", "charge.refunded"});
  const auto refunded = require_ok(f.store.read_events({0, {}, "charge.refunded", 10}));
  REQUIRE(refunded.size() == 1);
  REQUIRE(refunded[0].attempt.has_value());
  CHECK(refunded[0].attempt->amount == 400);
  const auto stored = require_ok(f.store.load(tenant_id("acme"), held.id));
  REQUIRE(stored);
  CHECK(refunded[0].snapshot.version == stored->version);
}

TEST_CASE("purge_events deletes what is older than the retention, in batches") {
  std::atomic<std::int64_t> now{1'800'000'000'000};
  memory_store store({.clock = [&] { return now.load(); }});
  testing::fake_card_network network;
  auto options = test::test_options();
  options.event_retention = 1h;
  payment_service service(store, network, options);
  for (int i = 0; i < 3; ++i)
    require_ok(service.charge("acme", "old-" + std::to_string(i), test::card_charge()));
  now += 3'600'000;
  require_ok(service.charge("acme", "young", test::card_charge()));
  CHECK(require_ok(service.purge_events(2)) == 0);  // the old ones are exactly an hour old
  now += 1;
  CHECK(require_ok(service.purge_events(2)) == 6);  // 2 + 2 + 2
  CHECK(require_ok(store.read_events({})).size() == 2);
  const service_options defaults;
  CHECK(defaults.event_retention == std::chrono::hours(24 * 30));
}
