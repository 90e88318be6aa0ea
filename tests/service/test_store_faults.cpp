// What the store can do wrong, injected by testing::faulty_store: fail a call
// before it writes, lose the acknowledgement after it wrote, answer busy, or
// stall. Whatever happens, money moves at most once and nothing acknowledged
// is lost.
#include "support/service_fixture.hpp"

#include "payintent/audit.hpp"
#include "payintent/testing/faulty_store.hpp"

#include <atomic>
#include <chrono>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::require_ok;
using testing::faulty_store;
using testing::store_fault;
using testing::store_op;

namespace {

// One service on a faulty memory store with a manual store clock and a short
// lease, so tests can expire attempts. A call whose outcome cannot be recorded
// answers processing at its wait budget, here 300 ms rather than 30 s.
struct faulty_fixture {
  explicit faulty_fixture(testing::fake_network_options net = {}) : network(net) {
    auto o = test::test_options();
    o.attempt_lease = 1s;
    o.default_wait_budget = 300ms;
    o.recovery_backoff = {100ms};
    o.network_timeout = 1s;
    service.emplace(store, network, o);
  }

  charge_params card(std::string pm = testing::pm_approve) {
    charge_params p;
    p.amount = 2500;
    p.currency = "EUR";
    p.payment_method = std::move(pm);
    return p;
  }

  payment_intent stored(const std::string& key) {
    auto k = require_ok(inner.load_key(tenant_id("acme"), idempotency_key(key)));
    REQUIRE(k.has_value());
    auto i = require_ok(inner.load(tenant_id("acme"), k->result.intent));
    REQUIRE(i.has_value());
    return *i;
  }

  void audit_verifies(const payment_intent& i) {
    CHECK(verify_audit(require_ok(inner.audit_trail(i.tenant, i.id))).ok);
  }

  std::atomic<std::int64_t> now{1'800'000'000'000};
  memory_store inner{{.clock = [this] { return now.load(); }}};
  faulty_store store{inner};
  testing::fake_card_network network;
  std::optional<payment_service> service;
};

}  // namespace

TEST_CASE("a busy claim: 503, retryable, nothing cached, and the retry charges once") {
  faulty_fixture f;
  f.store.inject({.op = store_op::claim, .error = errc::busy});
  diagnostics diag;
  auto r = f.service->charge("acme", "k", f.card(), &diag);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::busy);
  CHECK(http_status(r.error()) == 503);
  CHECK(is_retryable(r.error()));
  CHECK_FALSE(diag.message.empty());
  CHECK_FALSE(require_ok(f.inner.load_key(tenant_id("acme"), idempotency_key("k"))).has_value());
  CHECK(f.network.authorize_calls() == 0);

  auto retry = require_ok(f.service->charge("acme", "k", f.card()));
  CHECK_FALSE(retry.replayed);
  CHECK(retry.intent.status == intent_status::succeeded);
  CHECK(f.network.authorizations() == 1);
  CHECK(f.store.faults_fired() == 1);
}

TEST_CASE("the outcome commit fails a few times: retried, recorded once") {
  faulty_fixture f;
  f.store.inject({.op = store_op::commit, .nth = 1, .times = 3, .error = errc::store_unavailable});
  auto r = require_ok(f.service->charge("acme", "k", f.card()));
  CHECK(r.intent.status == intent_status::succeeded);
  CHECK(f.store.faults_fired() == 3);
  CHECK(f.network.authorizations() == 1);
  f.audit_verifies(r.intent);
}

TEST_CASE("the outcome cannot be recorded at all: processing, then recovery adopts it") {
  faulty_fixture f;
  f.store.inject({.op = store_op::commit, .times = 0, .error = errc::store_unavailable});
  auto r = require_ok(f.service->charge("acme", "k", f.card()));
  // The network approved, but the store never heard: the attempt stays init
  // and the caller is told the truth, processing.
  CHECK(r.intent.status == intent_status::processing);
  CHECK(f.stored("k").attempts.at(0).state == attempt_state::init);

  f.store.clear();
  auto early = require_ok(f.service->recover());
  CHECK(early.skipped == 1);  // the lease is still held
  f.now += 1001;
  auto report = require_ok(f.service->recover());
  CHECK(report.adopted == 1);
  auto settled = f.stored("k");
  CHECK(settled.status == intent_status::succeeded);
  CHECK(f.network.authorize_calls() == 1);  // looked up, never sent again
  CHECK(f.network.authorizations() == 1);
  CHECK_FALSE(f.network.is_voided(settled.attempts.at(0).reference));
  f.audit_verifies(settled);
  auto replay = require_ok(f.service->charge("acme", "k", f.card()));
  CHECK(replay.replayed);
  CHECK(replay.intent.status == intent_status::succeeded);
}

TEST_CASE("the outcome commit applied but its acknowledgement was lost: one charge") {
  faulty_fixture f;
  f.store.inject(
      {.op = store_op::commit, .error = errc::store_unavailable, .after_applying = true});
  auto r = require_ok(f.service->charge("acme", "k", f.card()));
  CHECK(r.intent.status == intent_status::succeeded);
  auto settled = f.stored("k");
  CHECK(settled.status == intent_status::succeeded);
  CHECK(settled.attempts.size() == 1);
  CHECK(settled.attempts[0].state == attempt_state::authorized);
  // The writer re-read the store and found its own write: the money is kept,
  // never voided, never authorized again.
  CHECK_FALSE(f.network.is_voided(settled.attempts[0].reference));
  CHECK(f.network.authorizations() == 1);
  f.audit_verifies(settled);
}

TEST_CASE("the claim committed but its acknowledgement was lost: never charged twice") {
  faulty_fixture f;
  f.store.inject({.op = store_op::claim, .error = errc::store_unavailable, .after_applying = true});
  auto lost = f.service->charge("acme", "k", f.card());
  REQUIRE_FALSE(lost);
  CHECK(lost.error() == errc::store_unavailable);
  // The key and the attempt (init) are durable, but this caller never sent
  // it. The client's retry replays the key: it must not authorize.
  auto retry = require_ok(f.service->charge("acme", "k", f.card()));
  CHECK(retry.replayed);
  CHECK(retry.intent.status == intent_status::processing);
  CHECK(f.network.authorize_calls() == 0);

  // Once the lease expires, recovery learns the network never saw it:
  // voided, failed, and a new confirm (new key) may charge.
  f.now += 1001;
  CHECK(require_ok(f.service->recover()).voided == 1);
  auto failed = f.stored("k");
  CHECK(failed.status == intent_status::failed);
  CHECK(failed.attempts.at(0).state == attempt_state::voided);
  confirm_params p;
  p.payment_method = testing::pm_approve;
  auto second = require_ok(f.service->confirm("acme", "k-2", failed.id.str(), p));
  CHECK(second.intent.status == intent_status::succeeded);
  CHECK(f.network.authorizations() == 1);
  f.audit_verifies(second.intent);
}

TEST_CASE("a slow outcome commit: the call answers at its budget, the charge completes") {
  // The network answers on its own thread, so the caller's budget runs
  // while the outcome is being recorded.
  faulty_fixture f({.min_latency = 5ms, .max_latency = 5ms});
  f.store.inject({.op = store_op::commit, .error = std::nullopt, .delay = 1s});
  auto p = f.card();
  p.wait_budget = 50ms;
  auto r = require_ok(f.service->charge("acme", "k", p));
  CHECK(r.intent.status == intent_status::processing);
  p.wait_budget = 5s;
  auto later = require_ok(f.service->charge("acme", "k", p));
  CHECK(later.replayed);
  CHECK(later.intent.status == intent_status::succeeded);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("recovery's own commit fails: the attempt stays unresolved for the next pass") {
  faulty_fixture f;
  f.store.inject({.op = store_op::commit, .times = 0, .error = errc::store_unavailable});
  auto r = require_ok(f.service->charge("acme", "k", f.card()));
  REQUIRE(r.intent.status == intent_status::processing);
  f.now += 1001;
  auto failed_pass = require_ok(f.service->recover());  // cannot even take it over
  CHECK(failed_pass.adopted == 0);
  CHECK(f.stored("k").attempts.at(0).state == attempt_state::init);

  f.store.clear();
  f.now += 1001;
  CHECK(require_ok(f.service->recover()).adopted == 1);
  CHECK(f.stored("k").status == intent_status::succeeded);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("faults count only the calls made after they are injected") {
  faulty_fixture f;
  require_ok(f.service->charge("acme", "a", f.card()));
  const auto commits = f.store.calls(store_op::commit);
  CHECK(commits >= 1);
  f.store.inject({.op = store_op::load, .nth = 2, .error = errc::busy});
  CHECK(f.store.load(tenant_id("acme"), f.stored("a").id));                        // call 1: passes
  CHECK(f.store.load(tenant_id("acme"), f.stored("a").id).error() == errc::busy);  // call 2
  CHECK(f.store.load(tenant_id("acme"), f.stored("a").id));  // call 3: window over
  CHECK(fmt::format("{}", store_op::purge_expired_keys) == "purge_expired_keys");
  // A fault on `any` counts every call, whatever the operation.
  f.store.inject({.op = store_op::any, .nth = 2, .error = errc::store_unavailable});
  CHECK(f.store.now_ms());  // any call 1
  CHECK(f.store.load_key(tenant_id("acme"), idempotency_key("a")).error() ==
        errc::store_unavailable);  // any call 2
  CHECK(f.store.now_ms());         // the window is over
}
