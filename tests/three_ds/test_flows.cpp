// Every 3-D Secure flow end to end: challenge then Y, A, N, R, U (both
// policies), frictionless, and a resumed authorization that is declined or
// challenged again. On the memory and SQLite stores.
#include "support/three_ds_fixture.hpp"

#include "payintent/audit.hpp"

using namespace payintent;
using payintent::test::memory_env;
using payintent::test::require_ok;
using payintent::test::sqlite_env;
using payintent::test::three_ds_fixture;

namespace {

std::vector<std::string> events_of(const std::vector<audit_entry>& trail) {
  std::vector<std::string> out;
  for (const auto& e : trail) out.push_back(e.event);
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("3ds: challenge, then Y authorizes once as a new attempt carrying the values",
                   Env, memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  const auto& action = *charged.intent.next_action;
  CHECK(action.type == "redirect_to_url");
  CHECK(action.redirect_url.find(charged.intent.attempts.at(0).reference) != std::string::npos);
  CHECK_FALSE(action.three_ds_server_trans_id.empty());
  CHECK(charged.intent.attempts.at(0).state == attempt_state::challenge_pending);
  CHECK(f.network.authorizations() == 0);

  const auto result = f.complete(charged.intent, "Y");
  diagnostics diag;
  auto r = f.service.authenticate("acme", "auth-1", charged.intent.id.str(), result, &diag);
  const auto done = require_ok(r, diag);
  CHECK_FALSE(done.replayed);
  CHECK(done.intent.status == intent_status::succeeded);
  CHECK_FALSE(done.intent.next_action.has_value());
  REQUIRE(done.intent.attempts.size() == 2);
  CHECK(done.intent.attempts[0].state == attempt_state::challenge_pending);
  CHECK(done.intent.attempts[1].state == attempt_state::authorized);
  CHECK(done.intent.attempts[1].reference == attempt_reference(done.intent.id, 2));
  CHECK(f.network.authorizations() == 1);
  CHECK(f.network.authorize_calls() == 2);
  // The resumed authorization is a reference the network had not seen.
  CHECK(f.network.authorize_calls(done.intent.attempts[0].reference) == 1);
  CHECK(f.network.authorize_calls(done.intent.attempts[1].reference) == 1);

  const auto sent = f.network.requests();
  REQUIRE(sent.size() == 2);
  CHECK_FALSE(sent[0].authentication.has_value());
  REQUIRE(sent[1].authentication.has_value());
  CHECK(sent[1].authentication->authentication_value == result.authentication_value);
  CHECK(sent[1].authentication->eci == "05");
  CHECK(sent[1].authentication->ds_transaction_id == result.ds_transaction_id);
  CHECK(sent[1].authentication->trans_status == 'Y');
  CHECK(sent[1].authentication->version == "2.2.0");
  CHECK(sent[1].amount.minor_units == 4200);

  const auto trail = require_ok(f.service.audit_trail("acme", done.intent.id.str()));
  CHECK(verify_audit(trail).ok);
  CHECK(events_of(trail) == std::vector<std::string>{"intent.created", "intent.processing",
                                                     "attempt.init", "attempt.challenge_pending",
                                                     "intent.requires_action", "three_ds.result",
                                                     "intent.processing", "attempt.init",
                                                     "attempt.authorized", "intent.succeeded"});
  CHECK(trail[5].detail == "transStatus Y");
  CHECK(trail[5].attempt_number == 1);
  CHECK(trail[7].attempt_number == 2);
}

TEST_CASE_TEMPLATE("3ds: A (attempted) authorizes with ECI 06", Env, memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-a");
  CHECK(f.pass("auth-a", charged.intent, "A").intent.status == intent_status::succeeded);
  CHECK(f.network.authorizations() == 1);
  const auto sent = f.last_authentication();
  CHECK(sent.eci == "06");
  CHECK(sent.trans_status == 'A');
}

TEST_CASE_TEMPLATE(
    "3ds: N, R and U (by default) fail the attempt without authorizing; a new "
    "confirm challenges again",
    Env, memory_env, sqlite_env) {
  const std::pair<const char*, const char*> cases[] = {{"N", "authentication_failed"},
                                                       {"R", "authentication_rejected"},
                                                       {"U", "authentication_unavailable"}};
  for (const auto& [status, decline] : cases) {
    CAPTURE(status);
    three_ds_fixture<Env> f;
    const auto charged = f.challenged("order");
    const auto id = charged.intent.id.str();
    const auto failed =
        require_ok(f.service.authenticate("acme", "auth", id, f.complete(charged.intent, status)));
    CHECK(failed.intent.status == intent_status::failed);
    CHECK_FALSE(failed.intent.next_action.has_value());
    REQUIRE(failed.intent.last_error.has_value());
    CHECK(failed.intent.last_error->code == "authentication_failed");
    CHECK(failed.intent.last_error->decline_code == decline);
    REQUIRE(failed.intent.attempts.size() == 1);
    CHECK(failed.intent.attempts[0].state == attempt_state::declined);
    CHECK(failed.intent.attempts[0].decline_code == decline);
    CHECK(f.network.authorize_calls() == 1);  // only the challenged one
    CHECK(f.network.authorizations() == 0);
    CHECK(verify_audit(require_ok(f.service.audit_trail("acme", id))).ok);

    // failed admits a new confirm: a new attempt, challenged again.
    auto again = require_ok(f.service.confirm("acme", "retry", id, {}));
    CHECK(again.intent.status == intent_status::requires_action);
    REQUIRE(again.intent.attempts.size() == 2);
    CHECK(again.intent.attempts[1].state == attempt_state::challenge_pending);
    CHECK(again.intent.next_action->three_ds_server_trans_id !=
          charged.intent.next_action->three_ds_server_trans_id);
    auto paid =
        require_ok(f.service.authenticate("acme", "auth-2", id, f.complete(again.intent, "Y")));
    CHECK(paid.intent.status == intent_status::succeeded);
    CHECK(paid.intent.attempts.size() == 3);
    CHECK(f.network.authorizations() == 1);
  }
}

TEST_CASE_TEMPLATE(
    "3ds: U with authorize_when_authentication_unavailable authorizes without a "
    "value",
    Env, memory_env, sqlite_env) {
  auto options = payintent::test::test_options();
  options.authorize_when_authentication_unavailable = true;
  three_ds_fixture<Env> f(options);
  const auto charged = f.challenged("order-u");
  CHECK(f.pass("auth-u", charged.intent, "U").intent.status == intent_status::succeeded);
  CHECK(f.network.authorizations() == 1);
  const auto sent = f.last_authentication();
  CHECK(sent.trans_status == 'U');
  CHECK(sent.authentication_value.empty());
  CHECK(sent.eci == "07");
}

TEST_CASE_TEMPLATE("3ds: a frictionless outcome needs no step", Env, memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  charge_params p;
  p.amount = 1500;
  p.currency = "EUR";
  p.payment_method = testing::pm_frictionless;
  const auto paid = require_ok(f.service.charge("acme", "frictionless", p));
  CHECK(paid.intent.status == intent_status::succeeded);
  CHECK_FALSE(paid.intent.next_action.has_value());
  REQUIRE(paid.intent.attempts.size() == 1);
  CHECK(paid.intent.attempts[0].state == attempt_state::authorized);
  CHECK(f.network.authorize_calls() == 1);
  CHECK(f.network.authorizations() == 1);
  // Nothing awaits a result.
  authenticate_params stray = f.network.complete_challenge("3ds_none", "Y");
  auto r = f.service.authenticate("acme", "stray", paid.intent.id.str(), stray);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::invalid_state);
}

TEST_CASE_TEMPLATE("3ds: the resumed authorization may still be declined, or challenged again", Env,
                   memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-d");
  const auto id = charged.intent.id.str();
  f.network.script_next(network_outcome::declined("insufficient_funds"));
  const auto declined =
      require_ok(f.service.authenticate("acme", "auth-d", id, f.complete(charged.intent, "Y")));
  CHECK(declined.intent.status == intent_status::failed);
  CHECK(declined.intent.last_error->code == "card_declined");
  CHECK(declined.intent.attempts.at(1).state == attempt_state::declined);
  CHECK(f.network.authorizations() == 0);

  const auto second = f.challenged("order-c");
  next_action again{"use_sdk", "", "{\"acsTransID\":\"x\"}", "3ds-again"};
  f.network.script_next(network_outcome::challenge(again));
  const auto rechallenged = require_ok(f.service.authenticate(
      "acme", "auth-c1", second.intent.id.str(), f.complete(second.intent, "Y")));
  CHECK(rechallenged.intent.status == intent_status::requires_action);
  CHECK(rechallenged.intent.next_action == again);
  CHECK(rechallenged.intent.attempts.at(1).state == attempt_state::challenge_pending);
  const auto paid = require_ok(f.service.authenticate("acme", "auth-c2", second.intent.id.str(),
                                                      f.complete(rechallenged.intent, "Y")));
  CHECK(paid.intent.status == intent_status::succeeded);
  CHECK(paid.intent.attempts.size() == 3);
  CHECK(f.network.authorizations() == 1);
}
