// authenticate refuses clearly: another tenant, another intent's challenge,
// an intent not in requires_action, malformed input (never stored).
#include "support/three_ds_fixture.hpp"

using namespace payintent;
using payintent::test::memory_env;
using payintent::test::require_ok;
using payintent::test::sqlite_env;
using payintent::test::three_ds_fixture;

TEST_CASE_TEMPLATE("3ds: another tenant's intent is not_found and changes nothing", Env, memory_env,
                   sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  diagnostics diag;
  auto r = f.service.authenticate("other-shop", "auth-1", charged.intent.id.str(),
                                  f.complete(charged.intent, "Y"), &diag);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::not_found);
  CHECK(http_status(r.error()) == 404);
  CHECK(require_ok(f.service.retrieve("acme", charged.intent.id.str())).status ==
        intent_status::requires_action);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE_TEMPLATE("3ds: a result for another intent's challenge is invalid_argument", Env,
                   memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto first = f.challenged("order-1");
  const auto second = f.challenged("order-2");
  diagnostics diag;
  // The front end mixed them up: second's result sent for first.
  const auto mixed = f.complete(second.intent, "Y");
  auto r = f.service.authenticate("acme", "auth-mixed", first.intent.id.str(), mixed, &diag);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::invalid_argument);
  CHECK(diag.message.find("three_ds_server_trans_id") != std::string::npos);
  CHECK(require_ok(f.service.retrieve("acme", first.intent.id.str())).status ==
        intent_status::requires_action);
  CHECK(f.network.authorize_calls() == 2);
  // A definitive answer against the intent: the key replays it.
  diagnostics again;
  auto replayed =
      f.service.authenticate("acme", "auth-mixed", first.intent.id.str(), mixed, &again);
  CHECK(replayed.error() == errc::invalid_argument);
  CHECK(again.replayed);

  auto unknown = f.service.authenticate("acme", "auth-x", "pi_000000000000000000000000",
                                        f.complete(first.intent, "Y"));
  CHECK(unknown.error() == errc::not_found);
}

TEST_CASE_TEMPLATE("3ds: an intent not in requires_action is invalid_state", Env, memory_env,
                   sqlite_env) {
  three_ds_fixture<Env> f;
  const auto result = f.network.complete_challenge("3ds_nothing", "Y");

  create_params c;
  c.amount = 100;
  c.currency = "EUR";
  const auto created = require_ok(f.service.create_intent("acme", "c1", c));
  auto r = f.service.authenticate("acme", "a1", created.intent.id.str(), result);
  CHECK(r.error() == errc::invalid_state);

  const auto paid = require_ok(f.service.charge(
      "acme", "c2", payintent::test::service_fixture{}.card(100, testing::pm_approve)));
  diagnostics diag;
  r = f.service.authenticate("acme", "a2", paid.intent.id.str(), result, &diag);
  CHECK(r.error() == errc::invalid_state);
  CHECK(http_status(r.error()) == 409);
  CHECK(diag.message.find("succeeded") != std::string::npos);

  const auto challenged = f.challenged("c3");
  require_ok(f.service.cancel("acme", "c4", challenged.intent.id.str(), {"abandoned"}));
  diag.clear();
  r = f.service.authenticate("acme", "a3", challenged.intent.id.str(),
                             f.complete(challenged.intent, "Y"), &diag);
  CHECK(r.error() == errc::invalid_state);
  CHECK(diag.message.find("canceled") != std::string::npos);
  const auto canceled = require_ok(f.service.retrieve("acme", challenged.intent.id.str()));
  CHECK(canceled.status == intent_status::canceled);
  CHECK(canceled.attempts.at(0).state == attempt_state::declined);
  CHECK(canceled.attempts.at(0).decline_code == "canceled");
  CHECK(f.network.authorizations() == 1);  // only the approved charge
}

TEST_CASE_TEMPLATE("3ds: malformed results are invalid_argument, name the field, store nothing",
                   Env, memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  const auto id = charged.intent.id.str();
  const auto good = f.complete(charged.intent, "Y");
  struct bad_case {
    const char* field;
    std::function<void(authenticate_params&)> spoil;
    errc expected = errc::invalid_argument;
  };
  const bad_case cases[] = {
      {"trans_status", [](auto& p) { p.trans_status = "X"; }},
      {"trans_status", [](auto& p) { p.trans_status = "YY"; }},
      {"trans_status", [](auto& p) { p.trans_status.clear(); }},
      {"three_ds_server_trans_id", [](auto& p) { p.three_ds_server_trans_id.clear(); }},
      {"three_ds_server_trans_id", [](auto& p) { p.three_ds_server_trans_id += "\x01"; }},
      {"message_version", [](auto& p) { p.message_version = "4242424242424242"; }},
      {"message_version", [](auto& p) { p.message_version = "2.2"; }},
      {"authentication_value", [](auto& p) { p.authentication_value.clear(); }},
      {"authentication_value", [](auto& p) { p.authentication_value += "\n"; }},
      {"eci", [](auto& p) { p.eci = "5"; }},
      {"eci", [](auto& p) { p.eci = "0x"; }},
      {"ds_transaction_id", [](auto& p) { p.ds_transaction_id.clear(); }},
      {"message_version", [](auto& p) { p.message_version = std::string(40, '2'); }},
  };
  for (const auto& c : cases) {
    authenticate_params p = good;
    c.spoil(p);
    diagnostics diag;
    auto r = f.service.authenticate("acme", "auth-1", id, p, &diag);
    CAPTURE(c.field);
    REQUIRE_FALSE(r);
    CHECK(r.error() == c.expected);
    CHECK(diag.message.find(c.field) != std::string::npos);
    CHECK(diag.message.find(good.authentication_value) == std::string::npos);
  }
  // Nothing was stored under the key: the good request runs with it.
  const auto done = require_ok(f.service.authenticate("acme", "auth-1", id, good));
  CHECK_FALSE(done.replayed);
  CHECK(done.intent.status == intent_status::succeeded);
  CHECK(f.network.authorizations() == 1);
}
