// What the network can do wrong: throw, time out, never send.
#include "support/service_fixture.hpp"

#include "payintent/audit.hpp"

using namespace payintent;
using payintent::test::require_ok;
using payintent::test::service_fixture;

TEST_CASE("a card_network that throws: a clear error, no crash, a consistent state") {
  service_fixture f;
  diagnostics diag;
  auto r = f.service.charge("acme", "boom", f.card(100, testing::pm_throw), &diag);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::card_network_error);
  CHECK(http_status(r.error()) == 502);
  CHECK(diag.message.find("threw") != std::string::npos);

  // The request may have left before the throw: the attempt is recorded
  // unknown, never sent again. A retry with the key replays it.
  auto key = require_ok(f.store.load_key(tenant_id("acme"), idempotency_key("boom")));
  REQUIRE(key.has_value());
  auto raw = require_ok(f.store.load(tenant_id("acme"), key->result.intent));
  REQUIRE(raw.has_value());
  CHECK(raw->status == intent_status::processing);
  REQUIRE(raw->attempts.size() == 1);
  CHECK(raw->attempts[0].state == attempt_state::unknown);
  auto retry = require_ok(f.service.charge("acme", "boom", f.card(100, testing::pm_throw)));
  CHECK(retry.replayed);
  CHECK(f.network.authorize_calls() == 1);

  // Anyone who touches the intent next reconciles it first: the network has
  // no authorization under the reference, so it is voided (a late arrival
  // would be reversed) and the intent fails, retryable with a new key.
  auto settled = require_ok(f.service.retrieve("acme", key->result.intent.str()));
  CHECK(settled.status == intent_status::failed);
  CHECK(settled.attempts.at(0).state == attempt_state::voided);
  CHECK(f.network.is_voided(settled.attempts[0].reference));
  CHECK(verify_audit(require_ok(f.service.audit_trail("acme", settled.id.str()))).ok);

  confirm_params p;
  p.payment_method = testing::pm_approve;
  auto again = require_ok(f.service.confirm("acme", "boom-2", settled.id.str(), p));
  CHECK(again.intent.status == intent_status::succeeded);
  CHECK(again.intent.attempts.size() == 2);
  CHECK(f.network.authorize_calls() == 2);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("unknown outcome: processing until reconciled, then what the network knows") {
  service_fixture f;
  auto r = require_ok(f.service.charge("acme", "timeout", f.card(100, testing::pm_unknown)));
  CHECK(r.intent.status == intent_status::processing);
  CHECK(r.intent.attempts.at(0).state == attempt_state::unknown);
  // No new attempt while it is unresolved: a confirm reconciles first, and
  // the fake network did take the money, so the intent is succeeded and the
  // confirm is refused without a second authorization.
  confirm_params p;
  p.payment_method = testing::pm_approve;
  CHECK(f.service.confirm("acme", "timeout-2", r.intent.id.str(), p).error() ==
        errc::invalid_state);
  auto now = require_ok(f.service.retrieve("acme", r.intent.id.str()));
  CHECK(now.status == intent_status::succeeded);
  CHECK(now.attempts.at(0).state == attempt_state::authorized);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("not_sent: failed and retryable with a new key") {
  service_fixture f;
  auto r = require_ok(f.service.charge("acme", "ns", f.card(100, testing::pm_not_sent)));
  CHECK(r.intent.status == intent_status::failed);
  REQUIRE(r.intent.last_error);
  CHECK(r.intent.last_error->code == "network_not_sent");
  confirm_params p;
  p.payment_method = testing::pm_approve;
  auto again = require_ok(f.service.confirm("acme", "ns-2", r.intent.id.str(), p));
  CHECK(again.intent.status == intent_status::succeeded);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("challenge: requires_action with next_action, and cancel ends it") {
  service_fixture f;
  auto r = require_ok(f.service.charge("acme", "3ds", f.card(100, testing::pm_challenge)));
  CHECK(r.intent.status == intent_status::requires_action);
  REQUIRE(r.intent.next_action);
  CHECK_FALSE(r.intent.next_action->three_ds_server_trans_id.empty());
  CHECK(r.intent.attempts.at(0).state == attempt_state::challenge_pending);
  auto canceled = require_ok(f.service.cancel("acme", "3ds-cancel", r.intent.id.str(), {}));
  CHECK(canceled.intent.status == intent_status::canceled);
  CHECK_FALSE(canceled.intent.next_action);
  CHECK(canceled.intent.attempts.at(0).state == attempt_state::declined);
  CHECK(f.network.authorizations() == 0);
}
