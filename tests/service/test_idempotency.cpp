// The idempotency contract (docs/design.md, "Idempotency contract").
#include "support/service_fixture.hpp"

#include "payintent/testing/faulty_store.hpp"

#include <chrono>
#include <thread>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::require_ok;
using payintent::test::service_fixture;

TEST_CASE("a retry with the same key replays the first answer, not a second charge") {
  service_fixture f;
  auto first = require_ok(f.service.charge("acme", "tap-1", f.card()));
  diagnostics diag;
  auto second = require_ok(f.service.charge("acme", "tap-1", f.card(), &diag));
  CHECK(second.replayed);
  CHECK(diag.replayed);
  CHECK(second.intent.id == first.intent.id);
  CHECK(second.intent.status == intent_status::succeeded);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("the same key with other parameters is idempotency_key_reused (422)") {
  service_fixture f;
  require_ok(f.service.charge("acme", "tap-2", f.card(1000)));
  diagnostics diag;
  auto other_amount = f.service.charge("acme", "tap-2", f.card(2000), &diag);
  REQUIRE_FALSE(other_amount);
  CHECK(other_amount.error() == errc::idempotency_key_reused);
  CHECK(http_status(other_amount.error()) == 422);
  CHECK_FALSE(diag.message.empty());

  create_params c;
  c.amount = 1000;
  c.currency = "EUR";
  auto other_operation = f.service.create_intent("acme", "tap-2", c);
  CHECK(other_operation.error() == errc::idempotency_key_reused);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("keys are scoped by tenant; tenant B never sees tenant A's intent") {
  service_fixture f;
  auto a = require_ok(f.service.charge("tenant-a", "shared-key", f.card(1000)));
  auto b = require_ok(f.service.charge("tenant-b", "shared-key", f.card(1000)));
  CHECK_FALSE(b.replayed);
  CHECK(a.intent.id != b.intent.id);
  CHECK(f.network.authorizations() == 2);

  const std::string a_id = a.intent.id.str();
  CHECK(f.service.retrieve("tenant-b", a_id).error() == errc::not_found);
  CHECK(f.service.audit_trail("tenant-b", a_id).error() == errc::not_found);
  CHECK(f.service.cancel("tenant-b", "x", a_id, {}).error() == errc::not_found);
  confirm_params p;
  p.payment_method = testing::pm_approve;
  CHECK(f.service.confirm("tenant-b", "shared-key", a_id, p).error() == errc::not_found);
  CHECK(http_status(make_error_code(errc::not_found)) == 404);
  // Tenant A's replay is still A's.
  auto replay = require_ok(f.service.charge("tenant-a", "shared-key", f.card(1000)));
  CHECK(replay.replayed);
  CHECK(replay.intent.id == a.intent.id);
}

TEST_CASE("a definitive rejection is stored and replayed") {
  service_fixture f;
  auto paid = require_ok(f.service.charge("acme", "p1", f.card()));
  confirm_params p;
  p.payment_method = testing::pm_approve;
  diagnostics first_diag, second_diag;
  auto first = f.service.confirm("acme", "c-late", paid.intent.id.str(), p, &first_diag);
  auto second = f.service.confirm("acme", "c-late", paid.intent.id.str(), p, &second_diag);
  CHECK(first.error() == errc::invalid_state);
  CHECK(second.error() == errc::invalid_state);
  CHECK_FALSE(first_diag.replayed);
  CHECK(second_diag.replayed);
  CHECK(second_diag.message == first_diag.message);
}

TEST_CASE("wait budget: the call returns at the budget, the attempt finishes in the background") {
  testing::fake_network_options slow;
  slow.min_latency = 300ms;
  slow.max_latency = 300ms;
  service_fixture f(slow);
  auto params = f.card();
  params.wait_budget = 0ms;
  auto early = require_ok(f.service.charge("acme", "slow-1", params));
  CHECK(early.intent.status == intent_status::processing);
  CHECK(early.intent.attempts.at(0).state == attempt_state::init);

  // A retry with a generous budget waits for the outcome and replays it.
  params.wait_budget = 5s;
  auto later = require_ok(f.service.charge("acme", "slow-1", params));
  CHECK(later.replayed);
  CHECK(later.intent.status == intent_status::succeeded);
  CHECK(f.network.authorize_calls() == 1);
}

namespace {

// Answers every claim as held by someone else.
struct held_store : store_wrapper {
  using store_wrapper::store_wrapper;
  result<claim_result> claim(const claim_request&) override {
    claim_result held;
    held.status = claim_status::in_progress;
    return held;
  }
};

}  // namespace

TEST_CASE("a store error is not cached: the key stays free and a retry runs") {
  memory_store inner;
  testing::faulty_store store(inner);
  store.inject({.op = testing::store_op::claim, .error = errc::store_unavailable});
  testing::fake_card_network network;
  payment_service service(store, network, test::test_options());
  charge_params p;
  p.amount = 700;
  p.currency = "GBP";
  p.payment_method = testing::pm_approve;

  diagnostics diag;
  auto failed = service.charge("acme", "flaky", p, &diag);
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == errc::store_unavailable);
  CHECK(is_retryable(failed.error()));
  CHECK(http_status(failed.error()) == 503);
  CHECK(network.authorize_calls() == 0);
  CHECK_FALSE(require_ok(inner.load_key(tenant_id("acme"), idempotency_key("flaky"))).has_value());

  auto retried = require_ok(service.charge("acme", "flaky", p));
  CHECK_FALSE(retried.replayed);
  CHECK(retried.intent.status == intent_status::succeeded);
  CHECK(network.authorize_calls() == 1);
}

TEST_CASE("a key held by another request answers idempotency_key_in_use after the bound") {
  memory_store inner;
  held_store store(inner);
  testing::fake_card_network network;
  auto options = test::test_options();
  options.key_in_use_wait = 30ms;
  payment_service service(store, network, options);
  charge_params p;
  p.amount = 700;
  p.currency = "GBP";
  p.payment_method = testing::pm_approve;
  auto r = service.charge("acme", "held", p);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::idempotency_key_in_use);
  CHECK(http_status(r.error()) == 409);
  CHECK(network.authorize_calls() == 0);
}
