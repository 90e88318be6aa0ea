// Challenge expiry (service_options::challenge_expiry, store clock): enforced
// on access and by recover().
#include "support/three_ds_fixture.hpp"

#include "payintent/audit.hpp"

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::memory_env;
using payintent::test::require_ok;
using payintent::test::sqlite_env;
using payintent::test::three_ds_fixture;

namespace {

void check_expired(const payment_intent& intent) {
  CHECK(intent.status == intent_status::failed);
  CHECK_FALSE(intent.next_action.has_value());
  REQUIRE(intent.last_error.has_value());
  CHECK(intent.last_error->code == "challenge_expired");
  CHECK(intent.attempts.back().state == attempt_state::declined);
  CHECK(intent.attempts.back().decline_code == "challenge_expired");
}

}  // namespace

TEST_CASE_TEMPLATE("3ds: the default expiry is 10 minutes from entering challenge_pending", Env,
                   memory_env, sqlite_env) {
  const service_options defaults;
  CHECK(defaults.challenge_expiry == 10min);
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  const auto id = charged.intent.id.str();
  f.advance(10min - 1ms);
  CHECK(require_ok(f.service.retrieve("acme", id)).status == intent_status::requires_action);
  f.advance(1ms);
  const auto expired = require_ok(f.service.retrieve("acme", id));
  check_expired(expired);
  const auto trail = require_ok(f.service.audit_trail("acme", id));
  CHECK(verify_audit(trail).ok);
  CHECK(trail.back().event == "intent.failed");
  CHECK(trail.back().detail == "challenge_expired");

  // authenticate after expiry says so, and authorizes nothing.
  diagnostics diag;
  auto late =
      f.service.authenticate("acme", "auth-late", id, f.complete(charged.intent, "Y"), &diag);
  REQUIRE_FALSE(late);
  CHECK(late.error() == errc::invalid_state);
  CHECK(diag.message.find("expired") != std::string::npos);
  CHECK(f.network.authorizations() == 0);
}

TEST_CASE_TEMPLATE("3ds: every access enforces expiry: authenticate, confirm, cancel", Env,
                   memory_env, sqlite_env) {
  auto options = payintent::test::test_options();
  options.challenge_expiry = 1min;
  three_ds_fixture<Env> f(options);

  const auto a = f.challenged("order-a");
  const auto b = f.challenged("order-b");
  const auto c = f.challenged("order-c");
  f.advance(1min);

  diagnostics diag;
  auto late =
      f.service.authenticate("acme", "auth-a", a.intent.id.str(), f.complete(a.intent, "Y"), &diag);
  CHECK(late.error() == errc::invalid_state);
  CHECK(diag.message.find("expired") != std::string::npos);
  check_expired(require_ok(f.service.retrieve("acme", a.intent.id.str())));

  // confirm on requires_action would be invalid_state; expired, it is a new attempt.
  const auto retried = require_ok(f.service.confirm("acme", "confirm-b", b.intent.id.str(), {}));
  CHECK(retried.intent.status == intent_status::requires_action);
  REQUIRE(retried.intent.attempts.size() == 2);
  CHECK(retried.intent.attempts[0].decline_code == "challenge_expired");

  const auto canceled = require_ok(f.service.cancel("acme", "cancel-c", c.intent.id.str(), {}));
  CHECK(canceled.intent.status == intent_status::canceled);
  CHECK(canceled.intent.attempts.at(0).decline_code == "challenge_expired");
  CHECK(f.network.authorizations() == 0);
}

TEST_CASE_TEMPLATE("3ds: recover() expires challenges nobody touches", Env, memory_env,
                   sqlite_env) {
  three_ds_fixture<Env> f;
  const auto old_one = f.challenged("order-old");
  f.advance(6min);
  const auto young = f.challenged("order-young");

  auto report = require_ok(f.service.recover());
  CHECK(report.challenges_expired == 0);
  f.advance(4min);
  report = require_ok(f.service.recover());
  CHECK(report.challenges_expired == 1);

  // Read the rows directly: retrieve would expire on its own.
  auto stored = [&](const payment_intent& i) {
    auto loaded = require_ok(f.env.store->load(i.tenant, i.id));
    REQUIRE(loaded.has_value());
    return *loaded;
  };
  check_expired(stored(old_one.intent));
  CHECK(stored(young.intent).status == intent_status::requires_action);

  f.advance(6min);
  report = require_ok(f.service.recover());
  CHECK(report.challenges_expired == 1);
  check_expired(stored(young.intent));
  CHECK(require_ok(f.service.recover()).challenges_expired == 0);
  CHECK(f.network.authorizations() == 0);
}
