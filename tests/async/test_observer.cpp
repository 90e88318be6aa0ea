// The transition observer: once per durable transition, after its commit,
// exactly what the audit trail holds.
#include "support/service_fixture.hpp"

#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace asio = boost::asio;
using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::require_ok;

namespace {

struct observed {
  observed()
      : network({.min_latency = 1ms, .max_latency = 10ms}), service(store, network, options()) {}

  service_options options() {
    service_options o = payintent::test::test_options();
    o.on_transition = [this](const transition& t) {
      {
        std::lock_guard lock(mutex);
        auto& told = by_intent[t.intent];
        told.push_back(t);
        // After its commit: the n-th transition told is in the store already.
        auto stored = store.audit_trail(t.tenant, t.intent);
        committed_before_told &= stored && stored.value().size() >= told.size();
      }
      if (throw_from_observer) throw std::runtime_error("observer trouble");
    };
    return o;
  }

  std::vector<transition> of(const intent_id& id) {
    std::lock_guard lock(mutex);
    return by_intent[id];
  }

  std::mutex mutex;
  std::map<intent_id, std::vector<transition>> by_intent;
  bool committed_before_told = true;
  bool throw_from_observer = false;
  memory_store store;
  testing::fake_card_network network;
  payment_service service;
};

charge_params card(std::string pm) {
  return payintent::test::card_charge(1234, std::move(pm));
}

// The observer heard exactly the intent's audit trail, in order.
void check_matches_trail(observed& o, payment_service& s, const intent_id& id) {
  const auto trail = require_ok(s.audit_trail("acme", id.str()));
  const auto told = o.of(id);
  REQUIRE(told.size() == trail.size());
  for (std::size_t i = 0; i < trail.size(); ++i) {
    CHECK(told[i].event == trail[i].event);
    CHECK(told[i].from == trail[i].from);
    CHECK(told[i].to == trail[i].to);
    CHECK(told[i].attempt_number == trail[i].attempt_number);
    CHECK(told[i].tenant == tenant_id("acme"));
  }
}

}  // namespace

TEST_CASE("observer: one call per audit entry, never for a replay") {
  observed o;
  auto ok =
      o.service.async_charge("acme", "ok", card(testing::pm_approve), nullptr, asio::use_future)
          .get();
  auto declined =
      o.service.async_charge("acme", "no", card(testing::pm_decline), nullptr, asio::use_future)
          .get();
  create_params c;
  c.amount = 50;
  c.currency = "EUR";
  auto created = require_ok(o.service.create_intent("acme", "mk", c));
  auto canceled = require_ok(o.service.cancel("acme", "rm", created.intent.id.str(), {}));
  CHECK(canceled.intent.status == intent_status::canceled);

  // Replays write nothing, so they tell nothing.
  for (int i = 0; i < 3; ++i) {
    CHECK(o.service.async_charge("acme", "ok", card(testing::pm_approve), nullptr, asio::use_future)
              .get()
              .replayed);
  }
  check_matches_trail(o, o.service, ok.intent.id);
  check_matches_trail(o, o.service, declined.intent.id);
  check_matches_trail(o, o.service, created.intent.id);

  const auto told = o.of(ok.intent.id);
  REQUIRE(told.size() == 5);
  CHECK(told[3].event == "attempt.authorized");
  CHECK(told[3].after.attempts.at(0).state == attempt_state::authorized);
  CHECK(told[4].after.status == intent_status::succeeded);
  CHECK(told[4].after.version == ok.intent.version);
  CHECK(fmt::format("{}", told[3]) ==
        fmt::format("{} a1 attempt.authorized init->authorized", ok.intent.id));
  CHECK(o.committed_before_told);
}

TEST_CASE("observer: recovery's transitions are told too") {
  observed o;
  // The network took the money but answered "unknown": the next reader
  // reconciles by lookup, and adopts the authorization.
  auto r = require_ok(o.service.charge("acme", "lost", card(testing::pm_unknown)));
  CHECK(r.intent.status == intent_status::processing);
  auto now = o.service.async_retrieve("acme", r.intent.id.str(), nullptr, asio::use_future).get();
  CHECK(now.status == intent_status::succeeded);
  check_matches_trail(o, o.service, r.intent.id);
  const auto told = o.of(r.intent.id);
  CHECK(std::any_of(told.begin(), told.end(),
                    [](const transition& t) { return t.event == "attempt.takeover"; }));
  CHECK(told.back().event == "intent.succeeded");
}

TEST_CASE("an observer that throws changes nothing") {
  observed o;
  o.throw_from_observer = true;
  auto r = o.service.async_charge("acme", "t", card(testing::pm_approve), nullptr, asio::use_future)
               .get();
  CHECK(r.intent.status == intent_status::succeeded);
  check_matches_trail(o, o.service, r.intent.id);
}
