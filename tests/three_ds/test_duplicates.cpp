// Duplicate authenticate calls authorize once: sequential and concurrent,
// same key and other keys; and a resumed authorization whose answer was lost
// is settled by lookup, never authorized again.
#include "support/three_ds_fixture.hpp"

#include <atomic>
#include <thread>
#include <vector>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::memory_env;
using payintent::test::require_ok;
using payintent::test::sqlite_env;
using payintent::test::three_ds_fixture;

TEST_CASE_TEMPLATE("3ds: sequential duplicates authorize once", Env, memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  const auto id = charged.intent.id.str();
  const auto result = f.complete(charged.intent, "Y");

  const auto first = require_ok(f.service.authenticate("acme", "auth-1", id, result));
  CHECK(first.intent.status == intent_status::succeeded);
  for (int i = 0; i < 3; ++i) {
    const auto again = require_ok(f.service.authenticate("acme", "auth-1", id, result));
    CHECK(again.replayed);
    CHECK(again.intent.status == intent_status::succeeded);
    CHECK(again.intent.attempts.size() == 2);
  }
  // Another key: the intent is no longer in requires_action.
  auto other = f.service.authenticate("acme", "auth-2", id, result);
  CHECK(other.error() == errc::invalid_state);
  // The same key with other parameters is a reused key.
  auto changed = result;
  changed.trans_status = "A";
  changed.eci = "06";
  CHECK(f.service.authenticate("acme", "auth-1", id, changed).error() ==
        errc::idempotency_key_reused);
  CHECK(f.network.authorizations() == 1);
  CHECK(f.network.authorize_calls() == 2);
}

TEST_CASE_TEMPLATE("3ds: concurrent duplicates (same key and other keys) authorize once", Env,
                   memory_env, sqlite_env) {
  testing::fake_network_options slow;
  slow.min_latency = 20ms;
  slow.max_latency = 40ms;
  three_ds_fixture<Env> f(payintent::test::test_options(), slow);
  const auto charged = f.challenged("order-1");
  const auto id = charged.intent.id.str();
  const auto result = f.complete(charged.intent, "Y");

  constexpr int same_key = 8, other_keys = 8;
  std::atomic<int> ready{0};
  std::vector<payintent::result<payment_response>> answers(same_key + other_keys,
                                                           make_error_code(errc::busy));
  std::vector<std::thread> threads;
  for (int t = 0; t < same_key + other_keys; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < same_key + other_keys) std::this_thread::yield();
      const std::string key = t < same_key ? "auth-shared" : "auth-" + std::to_string(t);
      answers[static_cast<std::size_t>(t)] = f.service.authenticate("acme", key, id, result);
    });
  }
  for (auto& th : threads) th.join();

  int accepted = 0, refused = 0;
  for (const auto& a : answers) {
    if (a) {
      ++accepted;
      CHECK(a.value().intent.status == intent_status::succeeded);
    } else {
      CHECK(a.error() == errc::invalid_state);
      ++refused;
    }
  }
  // Whoever won: its key's callers are all answered the success, every other
  // caller invalid_state.
  CHECK((accepted == same_key || accepted == 1));
  CHECK(accepted + refused == same_key + other_keys);
  CHECK(f.network.authorizations() == 1);
  CHECK(f.network.authorize_calls() == 2);
  const auto now = require_ok(f.service.retrieve("acme", id));
  CHECK(now.status == intent_status::succeeded);
  CHECK(now.attempts.size() == 2);
}

TEST_CASE_TEMPLATE(
    "3ds: a resumed authorization whose answer is lost is settled by lookup on "
    "retry, never sent again",
    Env, memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  const auto id = charged.intent.id.str();
  const auto result = f.complete(charged.intent, "Y");
  // The network approves, but the answer never arrives.
  f.network.script_next(network_outcome::unknown("connection reset"));
  const auto lost = require_ok(f.service.authenticate("acme", "auth-1", id, result));
  CHECK(lost.intent.status == intent_status::processing);
  CHECK(lost.intent.attempts.at(1).state == attempt_state::unknown);

  // The retry replays; finding the attempt unresolved with nobody holding
  // it, it is reconciled by lookup first: no second authorization, and no
  // need for the value, which is gone.
  const auto replayed = require_ok(f.service.authenticate("acme", "auth-1", id, result));
  CHECK(replayed.replayed);
  CHECK(replayed.intent.status == intent_status::succeeded);
  CHECK(replayed.intent.attempts.at(1).state == attempt_state::authorized);
  CHECK(require_ok(f.service.recover()).adopted == 0);
  CHECK(f.network.authorize_calls() == 2);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE_TEMPLATE(
    "3ds: a resumed authorization whose holder died is settled by recover(), "
    "never sent again",
    Env, memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  f.network.script_next(network_outcome::unknown("connection reset"));
  const auto lost = f.pass("auth-1", charged.intent, "Y");
  CHECK(lost.intent.attempts.at(1).state == attempt_state::unknown);

  const auto report = require_ok(f.service.recover());
  CHECK(report.adopted == 1);
  auto loaded = require_ok(f.env.store->load(tenant_id("acme"), charged.intent.id));
  REQUIRE(loaded.has_value());
  CHECK(loaded->status == intent_status::succeeded);
  CHECK(loaded->attempts.at(1).state == attempt_state::authorized);
  CHECK(f.network.authorize_calls() == 2);
  CHECK(f.network.authorizations() == 1);
}
