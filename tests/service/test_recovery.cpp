// Recovery of attempts whose holder died or paused (docs/recovery.md).
#include "support/held_network.hpp"
#include "support/service_fixture.hpp"

#include "payintent/audit.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::held_network;
using payintent::test::require_ok;

namespace {

// Two nodes sharing one memory store with a manual store clock: `crashed`
// wrote an attempt and never heard back; `survivor` recovers.
struct two_nodes {
  explicit two_nodes(service_options base = test::test_options()) {
    base.attempt_lease = 1s;
    base.recovery_backoff = {100ms, 200ms};
    base.network_timeout = 1s;
    auto a = base, b = base;
    a.node_id = "crashed";
    b.node_id = "survivor";
    crashed.emplace(store, network, a);
    survivor.emplace(store, network, b);
  }
  ~two_nodes() {
    network.release(network_outcome::unknown("test over"));  // the holder's thread returns
  }

  // An attempt in init whose holder never answers.
  payment_intent stuck_charge(const std::string& key) {
    charge_params p{.amount = 5000, .currency = "EUR", .payment_method = "pm_card_visa",
                    .wait_budget = 0ms};
    auto r = require_ok(crashed->charge("acme", key, p));
    REQUIRE(r.intent.attempts.at(0).state == attempt_state::init);
    return r.intent;
  }

  std::vector<std::string> events(const payment_intent& i) {
    std::vector<std::string> out;
    for (auto& e : require_ok(store.audit_trail(i.tenant, i.id))) out.push_back(e.event);
    return out;
  }

  std::atomic<std::int64_t> now{1'800'000'000'000};
  memory_store store{{.clock = [this] { return now.load(); }}};
  held_network network;
  std::optional<payment_service> crashed, survivor;
};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("recovery leaves an attempt alone while its lease is alive") {
  two_nodes n;
  auto stuck = n.stuck_charge("k");
  auto report = require_ok(n.survivor->recover());
  CHECK(report.examined == 1);
  CHECK(report.skipped == 1);
  CHECK(n.network.lookups() == 0);
  CHECK(require_ok(n.survivor->retrieve("acme", stuck.id.str())).status ==
        intent_status::processing);
}

TEST_CASE("expired lease, the network has the authorization: adopted, never re-sent") {
  two_nodes n;
  auto stuck = n.stuck_charge("k");
  n.now += 1001;
  auto report = require_ok(n.survivor->recover());
  CHECK(report.adopted == 1);
  auto now = require_ok(n.survivor->retrieve("acme", stuck.id.str()));
  CHECK(now.status == intent_status::succeeded);
  CHECK(now.attempts.at(0).state == attempt_state::authorized);
  CHECK(now.attempts.at(0).fence == 2);
  CHECK(now.attempts.at(0).node_id == "survivor");
  CHECK(n.network.authorize_calls() == 1);

  // The paused holder wakes with "approved": fenced out, it records a
  // late_outcome and does not void money the survivor already adopted.
  CHECK(n.network.release(network_outcome::approved()) == 1);
  n.crashed.reset();  // waits for its recording
  auto events = n.events(stuck);
  CHECK(contains(events, "attempt.takeover"));
  CHECK(contains(events, "late_outcome"));
  CHECK_FALSE(n.network.voided(stuck.attempts[0].reference));
  CHECK(require_ok(n.survivor->retrieve("acme", stuck.id.str())).status ==
        intent_status::succeeded);
  CHECK(verify_audit(require_ok(n.store.audit_trail(stuck.tenant, stuck.id))).ok);
  // The key still replays the one charge.
  charge_params p{.amount = 5000, .currency = "EUR", .payment_method = "pm_card_visa"};
  auto replay = require_ok(n.survivor->charge("acme", "k", p));
  CHECK(replay.replayed);
  CHECK(replay.intent.status == intent_status::succeeded);
  CHECK(n.network.authorize_calls() == 1);
}

TEST_CASE("expired lease, the network never got it: voided, failed, retryable") {
  two_nodes n;
  n.network.reaches_network = false;
  auto stuck = n.stuck_charge("k");
  n.now += 1001;
  auto report = require_ok(n.survivor->recover());
  CHECK(report.voided == 1);
  auto now = require_ok(n.survivor->retrieve("acme", stuck.id.str()));
  CHECK(now.status == intent_status::failed);
  CHECK(now.last_error->code == "authorization_not_found");
  CHECK(now.attempts.at(0).state == attempt_state::voided);
  CHECK(n.network.voided(stuck.attempts[0].reference));

  // A late arrival from the paused holder is voided, not dropped.
  n.network.release(network_outcome::approved());
  n.crashed.reset();
  CHECK(contains(n.events(stuck), "late_outcome"));

  // A new confirm makes attempt 2.
  n.network.reaches_network = true;
  confirm_params p{.payment_method = "pm_card_visa", .wait_budget = 0ms};
  auto second = require_ok(n.survivor->confirm("acme", "k2", stuck.id.str(), p));
  CHECK(second.intent.attempts.size() == 2);
  CHECK(n.network.authorize_calls() == 2);
}

TEST_CASE("lookup not supported: requires_review with the reason, then left alone") {
  two_nodes n;
  n.network.lookup_mode = held_network::mode::unsupported;
  auto stuck = n.stuck_charge("k");
  n.now += 1001;
  auto report = require_ok(n.survivor->recover());
  CHECK(report.reviewed == 1);
  auto now = require_ok(n.survivor->retrieve("acme", stuck.id.str()));
  CHECK(now.status == intent_status::requires_review);
  auto trail = require_ok(n.store.audit_trail(stuck.tenant, stuck.id));
  CHECK(trail.back().event == "intent.requires_review");
  CHECK(trail.back().detail.find("does not support lookup") != std::string::npos);
  // Parked for a person: later passes do not touch it, nor does confirm or cancel.
  n.now += 3'600'000;
  CHECK(require_ok(n.survivor->recover()).skipped == 1);
  CHECK(n.survivor->cancel("acme", "c", stuck.id.str(), {}).error() == errc::invalid_state);
  CHECK(n.network.lookups() == 1);
}

TEST_CASE("lookup failing: retried on the backoff schedule, then requires_review") {
  two_nodes n;
  n.network.lookup_mode = held_network::mode::fail;
  auto stuck = n.stuck_charge("k");
  n.now += 1001;
  CHECK(require_ok(n.survivor->recover()).retried == 1);   // try 1 failed: wait 100 ms
  CHECK(require_ok(n.survivor->recover()).skipped == 1);   // not yet
  n.now += 101;
  CHECK(require_ok(n.survivor->recover()).retried == 1);   // try 2 failed: wait 200 ms
  n.now += 201;
  CHECK(require_ok(n.survivor->recover()).reviewed == 1);  // schedule exhausted
  CHECK(n.network.lookups() == 3);
  auto now = require_ok(n.survivor->retrieve("acme", stuck.id.str()));
  CHECK(now.status == intent_status::requires_review);
  CHECK(n.network.authorize_calls() == 1);
}

TEST_CASE("a retrieve after the lease expired reconciles on the fly") {
  two_nodes n;
  auto stuck = n.stuck_charge("k");
  CHECK(require_ok(n.survivor->retrieve("acme", stuck.id.str())).status ==
        intent_status::processing);
  n.now += 1001;
  CHECK(require_ok(n.survivor->retrieve("acme", stuck.id.str())).status ==
        intent_status::succeeded);
  CHECK(n.network.authorize_calls() == 1);
}

TEST_CASE("many nodes recovering at once: one takes each attempt") {
  two_nodes n;
  std::vector<payment_intent> stuck;
  for (int i = 0; i < 20; ++i) stuck.push_back(n.stuck_charge("k" + std::to_string(i)));
  n.now += 1001;
  std::vector<std::unique_ptr<payment_service>> nodes;
  for (int i = 0; i < 4; ++i) {
    service_options o;
    o.node_id = "r" + std::to_string(i);
    nodes.push_back(std::make_unique<payment_service>(n.store, n.network, o));
  }
  std::atomic<std::size_t> adopted{0};
  std::vector<std::thread> threads;
  for (auto& node : nodes) {
    threads.emplace_back([&, s = node.get()] { adopted += require_ok(s->recover()).adopted; });
  }
  for (auto& t : threads) t.join();
  CHECK(adopted == 20);
  for (const auto& i : stuck) {
    auto trail = require_ok(n.store.audit_trail(i.tenant, i.id));
    CHECK(std::count_if(trail.begin(), trail.end(),
                        [](const audit_entry& e) { return e.event == "attempt.takeover"; }) == 1);
  }
  CHECK(n.network.authorize_calls() == 20);
}

TEST_CASE("the background recovery loop resolves expired attempts on its own") {
  two_nodes n;
  auto stuck = n.stuck_charge("k");
  n.now += 1001;
  boost::asio::thread_pool pool(1);
  n.survivor->start_recovery(pool.get_executor(), 5ms);
  for (int i = 0; i < 6000; ++i) {  // at most 30 s
    auto loaded = require_ok(n.store.load(stuck.tenant, stuck.id));
    if (loaded->status == intent_status::succeeded) break;
    std::this_thread::sleep_for(5ms);
  }
  n.survivor->stop_recovery();
  CHECK(require_ok(n.store.load(stuck.tenant, stuck.id))->status == intent_status::succeeded);
  pool.join();
}

// ---- A person settles what recovery handed to review (docs/operations.md) ----

namespace {

// An intent recovery handed to review: lookup unsupported.
payment_intent in_review(two_nodes& n) {
  n.network.lookup_mode = held_network::mode::unsupported;
  auto stuck = n.stuck_charge("k");
  n.now += 1001;
  REQUIRE(require_ok(n.survivor->recover()).reviewed == 1);
  auto now = require_ok(n.survivor->retrieve("acme", stuck.id.str()));
  REQUIRE(now.status == intent_status::requires_review);
  return now;
}

review_settlement settle_as(intent_status as, std::string reference = {}) {
  return {.as = as, .operator_name = "alice", .reason = "checked the network dashboard",
          .evidence = "ticket OPS-7", .network_reference = std::move(reference)};
}

}  // namespace

TEST_CASE("settle_review as succeeded: fenced, audited, terminal") {
  two_nodes n;
  const auto reviewed = in_review(n);
  const attempt& held = reviewed.attempts.at(0);

  // Succeeded needs the reference the operator checked; nothing is written without.
  diagnostics diag;
  auto refused = n.survivor->settle_review("acme", reviewed.id.str(),
                                           settle_as(intent_status::succeeded), &diag);
  CHECK(refused.error() == errc::invalid_argument);
  CHECK(diag.message.find("network reference") != std::string::npos);
  CHECK(require_ok(n.store.load(reviewed.tenant, reviewed.id))->version == reviewed.version);

  auto settled = require_ok(n.survivor->settle_review(
      "acme", reviewed.id.str(), settle_as(intent_status::succeeded, "ch_123"), &diag));
  CHECK(settled.status == intent_status::succeeded);
  CHECK_FALSE(settled.last_error.has_value());
  CHECK(settled.attempts.at(0).state == attempt_state::authorized);
  CHECK(settled.attempts.at(0).network_transaction_id == "ch_123");
  CHECK(settled.attempts.at(0).fence == held.fence + 1);
  CHECK(settled.attempts.at(0).lease_expires_at_ms == 0);
  CHECK(*require_ok(n.store.load(reviewed.tenant, reviewed.id)) == settled);

  const auto trail = require_ok(n.store.audit_trail(reviewed.tenant, reviewed.id));
  CHECK(verify_audit(trail).ok);
  const audit_entry& last = trail.back();
  CHECK(last.event == "intent.succeeded");
  CHECK(last.from == "requires_review");
  CHECK(last.fence == held.fence + 1);
  for (const char* said : {"alice", "checked the network dashboard", "ticket OPS-7", "ch_123"}) {
    CHECK(last.detail.find(said) != std::string::npos);
  }
  CHECK(trail[trail.size() - 2].event == "attempt.authorized");

  // Settled is settled: a second settle is refused, nothing written.
  CHECK(n.survivor->settle_review("acme", reviewed.id.str(), settle_as(intent_status::failed))
            .error() == errc::invalid_state);
  CHECK(require_ok(n.store.audit_trail(reviewed.tenant, reviewed.id)).size() == trail.size());

  // The paused holder wakes with "approved": fenced out by the settlement's
  // token, it reports late and voids nothing a person adopted.
  CHECK(n.network.release(network_outcome::approved()) == 1);
  n.crashed.reset();
  CHECK(contains(n.events(reviewed), "late_outcome"));
  CHECK_FALSE(n.network.voided(held.reference));
  CHECK(require_ok(n.survivor->retrieve("acme", reviewed.id.str())).status ==
        intent_status::succeeded);
}

TEST_CASE("settle_review as failed: voided, failed, retryable; refused outside review") {
  two_nodes n;
  const auto reviewed = in_review(n);

  // Bad fields and a card number are refused before the store is touched.
  CHECK(n.survivor->settle_review("acme", reviewed.id.str(),
                                  {.as = intent_status::failed, .operator_name = "alice"})
            .error() == errc::invalid_argument);
  auto with_card = settle_as(intent_status::failed);
  with_card.evidence = "card 4242424242424242";
  CHECK(n.survivor->settle_review("acme", reviewed.id.str(), with_card).error() ==
        errc::raw_card_number);
  CHECK(n.survivor->settle_review("acme", reviewed.id.str(), settle_as(intent_status::canceled))
            .error() == errc::invalid_argument);
  CHECK(n.survivor->settle_review("other", reviewed.id.str(), settle_as(intent_status::failed))
            .error() == errc::not_found);
  CHECK(require_ok(n.store.load(reviewed.tenant, reviewed.id))->version == reviewed.version);

  // The async_ form runs the same rule.
  auto settled = n.survivor
                     ->async_settle_review("acme", reviewed.id.str(),
                                           settle_as(intent_status::failed), nullptr,
                                           boost::asio::use_future)
                     .get();
  CHECK(settled.status == intent_status::failed);
  CHECK(settled.last_error->code == "review_settled_failed");
  CHECK(settled.attempts.at(0).state == attempt_state::voided);
  CHECK(verify_audit(require_ok(n.store.audit_trail(reviewed.tenant, reviewed.id))).ok);

  // Failed is retryable: a new confirm makes attempt 2.
  n.network.release(network_outcome::unknown("holder gone"));
  n.crashed.reset();
  confirm_params p{.payment_method = "pm_card_visa", .wait_budget = 0ms};
  auto second = require_ok(n.survivor->confirm("acme", "k2", reviewed.id.str(), p));
  CHECK(second.intent.attempts.size() == 2);

  // Only requires_review waits for a person.
  CHECK(n.survivor->settle_review("acme", reviewed.id.str(), settle_as(intent_status::failed))
            .error() == errc::invalid_state);
}
