// The basic life of a charge: approve, decline and retry, cancel, audit.
#include "support/service_fixture.hpp"

#include "payintent/audit.hpp"

using namespace payintent;
using payintent::test::require_ok;
using payintent::test::service_fixture;

TEST_CASE("charge: an approved card succeeds with one authorization") {
  service_fixture f;
  diagnostics diag;
  auto r = f.service.charge("acme", "order-1", f.card(1999), &diag);
  const auto& resp = require_ok(r, diag);
  CHECK_FALSE(resp.replayed);
  CHECK(resp.intent.status == intent_status::succeeded);
  CHECK(resp.intent.amount.minor_units == 1999);
  CHECK(resp.intent.amount.currency->code == "EUR");
  REQUIRE(resp.intent.attempts.size() == 1);
  CHECK(resp.intent.attempts[0].state == attempt_state::authorized);
  CHECK(resp.intent.attempts[0].reference == attempt_reference(resp.intent.id, 1));
  CHECK(f.network.authorizations() == 1);
  CHECK(f.network.authorizations(resp.intent.attempts[0].reference) == 1);

  auto again = require_ok(f.service.retrieve("acme", resp.intent.id.str()));
  CHECK(again.status == intent_status::succeeded);
  CHECK(again.version == resp.intent.version);
}

TEST_CASE("charge: a decline fails with last_error; a confirm with a new key makes attempt 2") {
  service_fixture f;
  auto first = require_ok(f.service.charge("acme", "k1", f.card(500, testing::pm_decline)));
  CHECK(first.intent.status == intent_status::failed);
  REQUIRE(first.intent.last_error.has_value());
  CHECK(first.intent.last_error->code == "card_declined");
  CHECK(first.intent.last_error->decline_code == "generic_decline");
  CHECK(first.intent.attempts.at(0).state == attempt_state::declined);
  CHECK(f.network.authorizations() == 0);

  confirm_params retry;
  retry.payment_method = testing::pm_approve;
  auto second = require_ok(f.service.confirm("acme", "k2", first.intent.id.str(), retry));
  CHECK(second.intent.status == intent_status::succeeded);
  REQUIRE(second.intent.attempts.size() == 2);
  CHECK(second.intent.attempts[1].number == 2);
  CHECK(second.intent.attempts[1].state == attempt_state::authorized);
  CHECK_FALSE(second.intent.last_error.has_value());
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("create_intent then confirm; confirm without a payment method is invalid") {
  service_fixture f;
  create_params c;
  c.amount = 1000;
  c.currency = "jpy";
  c.metadata = {{"order", "A-17"}};
  auto created = require_ok(f.service.create_intent("acme", "c1", c));
  CHECK(created.intent.status == intent_status::created);
  CHECK(created.intent.amount.currency->code == "JPY");
  CHECK(f.network.authorize_calls() == 0);

  diagnostics diag;
  auto missing = f.service.confirm("acme", "c2", created.intent.id.str(), {}, &diag);
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == errc::invalid_argument);
  CHECK(diag.message.find("payment_method") != std::string::npos);

  confirm_params p;
  p.payment_method = testing::pm_approve;
  auto confirmed = require_ok(f.service.confirm("acme", "c3", created.intent.id.str(), p));
  CHECK(confirmed.intent.status == intent_status::succeeded);
  CHECK(confirmed.intent.metadata.at("order") == "A-17");
}

TEST_CASE("terminal states never change") {
  service_fixture f;
  auto paid = require_ok(f.service.charge("acme", "t1", f.card()));
  REQUIRE(paid.intent.status == intent_status::succeeded);
  const std::string id = paid.intent.id.str();

  confirm_params p;
  p.payment_method = testing::pm_approve;
  auto confirm_again = f.service.confirm("acme", "t2", id, p);
  REQUIRE_FALSE(confirm_again);
  CHECK(confirm_again.error() == errc::invalid_state);
  CHECK(http_status(confirm_again.error()) == 409);
  auto cancel_paid = f.service.cancel("acme", "t3", id, {});
  REQUIRE_FALSE(cancel_paid);
  CHECK(cancel_paid.error() == errc::invalid_state);
  CHECK(require_ok(f.service.retrieve("acme", id)).status == intent_status::succeeded);

  create_params c;
  c.amount = 100;
  c.currency = "USD";
  auto created = require_ok(f.service.create_intent("acme", "t4", c));
  auto canceled = require_ok(f.service.cancel("acme", "t5", created.intent.id.str(), {"abandoned"}));
  CHECK(canceled.intent.status == intent_status::canceled);
  auto confirm_canceled = f.service.confirm("acme", "t6", created.intent.id.str(), p);
  REQUIRE_FALSE(confirm_canceled);
  CHECK(confirm_canceled.error() == errc::invalid_state);
  auto cancel_twice = f.service.cancel("acme", "t7", created.intent.id.str(), {});
  CHECK(cancel_twice.error() == errc::invalid_state);
  CHECK(require_ok(f.service.retrieve("acme", created.intent.id.str())).status ==
        intent_status::canceled);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("the audit trail records every transition, verifies, and names a tampered entry") {
  service_fixture f;
  auto paid = require_ok(f.service.charge("acme", "a1", f.card()));
  auto trail = require_ok(f.service.audit_trail("acme", paid.intent.id.str()));
  // created, processing, attempt init, attempt authorized, succeeded
  REQUIRE(trail.size() == 5);
  CHECK(trail.front().event == "intent.created");
  CHECK(trail[2].event == "attempt.init");
  CHECK(trail[3].event == "attempt.authorized");
  CHECK(trail[3].from == "init");
  CHECK(trail.back().to == "succeeded");
  CHECK(trail.back().node_id == "test-node");
  CHECK(trail[3].fence == 1);
  for (std::size_t i = 0; i < trail.size(); ++i) CHECK(trail[i].sequence == i + 1);
  CHECK(verify_audit(trail).ok);

  audit_entry forged = trail[3];
  forged.to = "declined";
  REQUIRE(f.store.tamper_audit_entry_for_testing(paid.intent.tenant, paid.intent.id, forged));
  auto tampered = require_ok(f.service.audit_trail("acme", paid.intent.id.str()));
  auto verdict = verify_audit(tampered);
  CHECK_FALSE(verdict.ok);
  CHECK(verdict.first_broken_sequence == 4);
}
