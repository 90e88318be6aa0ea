// Manual capture, release of a hold, and refunds (issue 23): each a network
// call under the authorization's protocol, each moving money at most once.
#include "capture_fixture.hpp"
#include "paused_follow_ups.hpp"

#include "engine/planner.hpp"
#include "payintent/audit.hpp"

#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::capture_fixture;
using payintent::test::require_ok;

namespace {

// A network that has only authorize (and lookup/void): the new calls answer
// not_supported by their default bodies.
class authorize_only_network final : public card_network {
 public:
  void async_authorize(const authorization_request&, authorize_handler h) override {
    std::move(h)(network_outcome::approved("ntx_1"));
  }
};

}  // namespace

TEST_CASE("capture: manual intent stops at requires_capture; a partial capture takes once") {
  capture_fixture f;
  auto held = f.authorized("order-1", 1000);
  CHECK(held.capture_method == capture_method::manual);
  CHECK(held.amount_received() == 0);
  CHECK(f.network.authorizations() == 1);

  capture_params half;
  half.amount_to_capture = 400;
  auto r = require_ok(f.service.capture("acme", "cap-1", held.id.str(), half));
  CHECK(r.intent.status == intent_status::succeeded);
  CHECK(r.intent.amount_received() == 400);
  REQUIRE(r.intent.attempts.size() == 2);
  CHECK(r.intent.attempts[1].kind == attempt_kind::capture);
  CHECK(r.intent.attempts[1].state == attempt_state::succeeded);
  CHECK(f.network.carried_out(attempt_kind::capture) == 1);
  CHECK(f.network.amount_carried_out(attempt_kind::capture) == 400);

  // The same key replays; another key finds the intent captured.
  auto again = require_ok(f.service.capture("acme", "cap-1", held.id.str(), half));
  CHECK(again.replayed);
  diagnostics diag;
  auto second = f.service.capture("acme", "cap-2", held.id.str(), {}, &diag);
  REQUIRE_FALSE(second);
  CHECK(second.error() == errc::invalid_state);
  CHECK(f.network.follow_up_calls(attempt_kind::capture) == 1);

  // The same key with another amount is a reuse.
  capture_params other;
  other.amount_to_capture = 500;
  auto reused = f.service.capture("acme", "cap-1", held.id.str(), other);
  REQUIRE_FALSE(reused);
  CHECK(reused.error() == errc::idempotency_key_reused);

  auto trail = require_ok(f.service.audit_trail("acme", held.id.str()));
  CHECK(verify_audit(trail).ok);
}

TEST_CASE("capture: refused amounts and states; automatic intents never wait") {
  capture_fixture f;
  auto held = f.authorized("o", 1000);
  capture_params too_much;
  too_much.amount_to_capture = 1001;
  auto r = f.service.capture("acme", "c1", held.id.str(), too_much);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::invalid_amount);
  capture_params zero;
  zero.amount_to_capture = 0;
  CHECK(f.service.capture("acme", "c2", held.id.str(), zero).error() == errc::invalid_amount);

  auto automatic = require_ok(f.service.charge("acme", "auto", test::card_charge(700)));
  CHECK(automatic.intent.status == intent_status::succeeded);
  CHECK(automatic.intent.amount_received() == 700);
  CHECK(f.service.capture("acme", "c3", automatic.intent.id.str(), {}).error() ==
        errc::invalid_state);
  CHECK(f.network.follow_up_calls(attempt_kind::capture) == 0);
}

TEST_CASE("capture_method is in the fingerprint") {
  capture_fixture f;
  charge_params p = test::card_charge(300);
  require_ok(f.service.charge("acme", "same-key", p));
  p.capture_method = capture_method::manual;
  auto r = f.service.charge("acme", "same-key", p);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::idempotency_key_reused);
}

TEST_CASE("cancel of requires_capture releases the hold once, with a cancellation_reason") {
  capture_fixture f;
  auto held = f.authorized("o", 1000);
  diagnostics diag;
  auto bad = f.service.cancel("acme", "x0", held.id.str(), {.reason = "bored"}, &diag);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == errc::invalid_argument);

  auto r = require_ok(
      f.service.cancel("acme", "x1", held.id.str(), {.reason = "requested_by_customer"}));
  CHECK(r.intent.status == intent_status::canceled);
  CHECK(r.intent.cancellation_reason == "requested_by_customer");
  CHECK(r.intent.attempts.back().kind == attempt_kind::release);
  CHECK(f.network.carried_out(attempt_kind::release) == 1);
  CHECK_FALSE(f.network.is_live(held.attempts[0].reference));
  CHECK(
      require_ok(f.service.cancel("acme", "x1", held.id.str(), {.reason = "requested_by_customer"}))
          .replayed);
  CHECK(f.network.follow_up_calls(attempt_kind::release) == 1);
  CHECK(f.service.capture("acme", "c", held.id.str(), {}).error() == errc::invalid_state);

  // Today's cancel takes the reason too.
  create_params c{.amount = 100, .currency = "EUR"};
  auto created = require_ok(f.service.create_intent("acme", "new", c));
  auto canceled =
      require_ok(f.service.cancel("acme", "x2", created.intent.id.str(), {.reason = "duplicate"}));
  CHECK(canceled.intent.cancellation_reason == "duplicate");
}

TEST_CASE("capture declined or not sent: requires_capture again, a new key may capture") {
  capture_fixture f;
  auto held = f.authorized("o", 1000);
  f.network.script_next(attempt_kind::capture, network_outcome::declined("do_not_honor"));
  auto declined = require_ok(f.service.capture("acme", "c1", held.id.str(), {}));
  CHECK(declined.intent.status == intent_status::requires_capture);
  REQUIRE(declined.intent.last_error.has_value());
  CHECK(declined.intent.last_error->code == "capture_declined");
  f.network.script_next(attempt_kind::capture, network_outcome::not_sent("refused"));
  auto not_sent = require_ok(f.service.capture("acme", "c2", held.id.str(), {}));
  CHECK(not_sent.intent.status == intent_status::requires_capture);
  CHECK(not_sent.intent.last_error->code == "network_not_sent");
  auto ok = require_ok(f.service.capture("acme", "c3", held.id.str(), {}));
  CHECK(ok.intent.status == intent_status::succeeded);
  CHECK(ok.intent.amount_received() == 1000);
  CHECK(f.network.carried_out(attempt_kind::capture) == 1);
}

TEST_CASE("capture on a network without capture: not sent, the hold stays") {
  memory_store store;
  authorize_only_network network;
  payment_service service(store, network, test::test_options());
  charge_params p = test::card_charge(100);
  p.capture_method = capture_method::manual;
  auto held = require_ok(service.charge("acme", "o", p));
  REQUIRE(held.intent.status == intent_status::requires_capture);
  auto r = require_ok(service.capture("acme", "c", held.intent.id.str(), {}));
  CHECK(r.intent.status == intent_status::requires_capture);
  CHECK(r.intent.last_error->code == "network_not_sent");
  CHECK(r.intent.attempts.back().state == attempt_state::not_sent);
}

TEST_CASE("capture with an unknown outcome: recovery adopts it by lookup, never re-sends") {
  capture_fixture f;
  auto held = f.authorized("o", 1000);
  f.network.script_next(attempt_kind::capture, network_outcome::unknown("timeout"));
  auto r = require_ok(f.service.capture("acme", "c1", held.id.str(), {}));
  CHECK(r.intent.status == intent_status::processing);
  CHECK(r.intent.attempts.back().state == attempt_state::unknown);
  auto report = f.recover_expired();
  CHECK(report.adopted == 1);
  CHECK(f.service.capture("acme", "c2", held.id.str(), {}).error() == errc::invalid_state);
  auto now = require_ok(f.service.retrieve("acme", held.id.str()));
  CHECK(now.status == intent_status::succeeded);
  CHECK(now.amount_received() == 1000);
  CHECK(f.network.follow_up_calls(attempt_kind::capture) == 1);
  CHECK(f.network.carried_out(attempt_kind::capture) == 1);
}

TEST_CASE("capture whose call threw and never arrived: voided by recovery, captured anew once") {
  capture_fixture f;
  auto held = f.authorized("o", 1000);
  f.network.script_throw(attempt_kind::capture);
  diagnostics diag;
  auto r = f.service.capture("acme", "c1", held.id.str(), {}, &diag);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::card_network_error);
  auto report = f.recover_expired();
  CHECK(report.voided == 1);
  auto now = require_ok(f.service.retrieve("acme", held.id.str()));
  CHECK(now.status == intent_status::requires_capture);
  CHECK(now.last_error->code == "capture_not_found");
  CHECK(f.network.is_voided(now.attempts.back().reference));
  auto again = require_ok(f.service.capture("acme", "c2", held.id.str(), {}));
  CHECK(again.intent.status == intent_status::succeeded);
  CHECK(f.network.carried_out(attempt_kind::capture) == 1);
}

TEST_CASE("async_capture answers like capture") {
  capture_fixture f;
  auto held = f.authorized("o", 800);
  capture_params p;
  p.amount_to_capture = 800;
  auto fut =
      f.service.async_capture("acme", "ac", held.id.str(), p, nullptr, boost::asio::use_future);
  auto r = fut.get();
  CHECK(r.intent.status == intent_status::succeeded);
  CHECK(r.intent.amount_received() == 800);
}

TEST_CASE("refund: partial refunds up to what was captured, each its own record") {
  capture_fixture f;
  auto paid = f.captured("o", 1000);
  auto first = require_ok(
      f.service.refund("acme", "r1", paid.id.str(), {.amount = 300, .reason = "duplicate"}));
  CHECK(first.refund.status == refund_status::succeeded);
  CHECK(first.refund.amount.minor_units == 300);
  CHECK(first.refund.reason == "duplicate");
  CHECK(first.intent.amount_refunded() == 300);
  CHECK(first.intent.status == intent_status::succeeded);

  diagnostics diag;
  auto too_much = f.service.refund("acme", "r2", paid.id.str(), {.amount = 701}, &diag);
  REQUIRE_FALSE(too_much);
  CHECK(too_much.error() == errc::invalid_amount);
  // The rejection is the key's answer: a retry replays it.
  CHECK(f.service.refund("acme", "r2", paid.id.str(), {.amount = 701}).error() ==
        errc::invalid_amount);

  auto rest = require_ok(f.service.refund("acme", "r3", paid.id.str(), {}));
  CHECK(rest.refund.amount.minor_units == 700);
  CHECK(rest.intent.amount_refunded() == 1000);
  CHECK(f.service.refund("acme", "r4", paid.id.str(), {.amount = 1}).error() ==
        errc::invalid_amount);

  auto replay = require_ok(
      f.service.refund("acme", "r1", paid.id.str(), {.amount = 300, .reason = "duplicate"}));
  CHECK(replay.replayed);
  CHECK(replay.refund.id == first.refund.id);

  auto found = require_ok(f.service.retrieve_refund("acme", first.refund.id));
  CHECK(found == first.refund);
  CHECK(f.service.retrieve_refund("other", first.refund.id).error() == errc::not_found);
  CHECK(f.service.retrieve_refund("acme", "re_nonsense").error() == errc::invalid_argument);
  CHECK(f.network.carried_out(attempt_kind::refund) == 2);
  CHECK(f.network.amount_carried_out(attempt_kind::refund) == 1000);

  auto held = f.authorized("h", 500);
  CHECK(f.service.refund("acme", "r5", held.id.str(), {}).error() == errc::invalid_state);
  CHECK(verify_audit(require_ok(f.service.audit_trail("acme", paid.id.str()))).ok);
}

TEST_CASE("refund: a declined refund fails and frees its amount; unknown is settled by lookup") {
  capture_fixture f;
  auto paid = f.captured("o", 1000);
  f.network.script_next(attempt_kind::refund, network_outcome::declined("expired_card"));
  auto declined = require_ok(f.service.refund("acme", "r1", paid.id.str(), {.amount = 1000}));
  CHECK(declined.refund.status == refund_status::failed);
  CHECK(declined.refund.failure_reason == "expired_card");
  CHECK(declined.intent.amount_refunded() == 0);

  f.network.script_next(attempt_kind::refund, network_outcome::unknown("timeout"));
  auto unknown = require_ok(f.service.refund("acme", "r2", paid.id.str(), {.amount = 600}));
  CHECK(unknown.refund.status == refund_status::pending);
  auto report = f.recover_expired();
  CHECK(report.adopted == 1);
  CHECK(f.service.refund("acme", "r3", paid.id.str(), {.amount = 401}).error() ==
        errc::invalid_amount);
  auto settled = require_ok(f.service.retrieve_refund("acme", unknown.refund.id));
  CHECK(settled.status == refund_status::succeeded);
  CHECK(f.network.follow_up_calls(attempt_kind::refund) == 2);
  CHECK(f.network.carried_out(attempt_kind::refund) == 1);
}

TEST_CASE("refund: a late refund that cannot be voided goes to review, its amount reserved") {
  capture_fixture f;
  auto paid = f.captured("o", 1000);
  test::paused_follow_ups paused(f.network);
  paused.hold(attempt_kind::refund);
  service_options o = capture_fixture::options();
  o.node_id = "sender";
  payment_service sender(f.store, paused, o);
  // The sender writes its refund and pauses before the call arrives.
  auto sent = require_ok(
      sender.refund("acme", "r1", paid.id.str(), {.amount = 600, .wait_budget = 0ms}));
  REQUIRE(sent.refund.status == refund_status::pending);
  // Recovery finds nothing under it and voids it: the refund failed.
  CHECK(f.recover_expired().voided == 1);
  CHECK(require_ok(f.service.retrieve_refund("acme", sent.refund.id)).status ==
        refund_status::failed);
  // The call arrives after all and the network carries it out, and the
  // sender's void of its late outcome fails: money went back.
  paused.fail_voids(true);
  paused.deliver(network_outcome::approved("ntx_late"));
  sender.shutdown();
  const auto in_review = require_ok(f.service.retrieve_refund("acme", sent.refund.id));
  CHECK(in_review.status == refund_status::requires_review);
  const auto intent = require_ok(f.service.retrieve("acme", paid.id.str()));
  CHECK(intent.status == intent_status::succeeded);  // the intent is untouched
  CHECK(detail::refundable_amount(intent) == 400);   // the 600 reserved again
  CHECK(f.service.refund("acme", "r2", paid.id.str(), {.amount = 401}).error() ==
        errc::invalid_amount);
  const auto trail = require_ok(f.service.audit_trail("acme", paid.id.str()));
  CHECK(std::any_of(trail.begin(), trail.end(),
                    [](const audit_entry& e) { return e.event == "refund.requires_review"; }));
  CHECK(verify_audit(trail).ok);
  // The merchant was told refund.failed; the outbox now says the refund
  // waits for a person, once.
  CHECK(require_ok(f.store.read_events({0, {}, "refund.failed", 10})).size() == 1);
  const auto reviewed = require_ok(f.store.read_events({0, {}, "refund.requires_review", 10}));
  REQUIRE(reviewed.size() == 1);
  CHECK(reviewed[0].intent == paid.id);
  REQUIRE(reviewed[0].attempt.has_value());
  CHECK(reviewed[0].attempt->kind == attempt_kind::refund);
  // Recovery leaves it to the person.
  const auto later = f.recover_expired();
  CHECK(later.adopted + later.voided + later.reviewed == 0);
  CHECK(require_ok(f.service.retrieve_refund("acme", sent.refund.id)).status ==
        refund_status::requires_review);
}

TEST_CASE("refund: 64 threads racing distinct keys never refund more than was captured") {
  // Network latency keeps refunds in flight while others are planned: an
  // in-flight refund must stay reserved.
  capture_fixture f({.min_latency = 1ms, .max_latency = 5ms});
  auto paid = f.captured("o", 1000);
  constexpr int threads = 64;
  std::atomic<int> accepted{0}, refused{0}, other{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto r = f.service.refund("acme", "race-" + std::to_string(t), paid.id.str(), {.amount = 70});
      if (r && r.value().refund.status == refund_status::succeeded) {
        ++accepted;
      } else if (!r && r.error() == errc::invalid_amount) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : pool) t.join();
  CHECK(accepted == 14);  // 14 * 70 = 980 <= 1000 < 15 * 70
  CHECK(refused + other == threads - 14);
  auto now = require_ok(f.service.retrieve("acme", paid.id.str()));
  CHECK(now.amount_refunded() == 980);
  CHECK(f.network.amount_carried_out(attempt_kind::refund) == 980);
  for (const auto& r : refunds_of(now)) CHECK(f.network.carried_out(r.attempt.reference) == 1);
}

TEST_CASE("plan_refund: refunds not failed stay reserved, failed ones free their amount") {
  payment_intent paid;
  paid.id = intent_id("pi_plan_refund");
  paid.tenant = tenant_id("acme");
  paid.amount = money{1000, find_currency("EUR")};
  paid.status = intent_status::succeeded;
  paid.version = 7;
  attempt authorized;
  authorized.number = 1;
  authorized.state = attempt_state::authorized;
  paid.attempts.push_back(authorized);
  REQUIRE(paid.amount_received() == 1000);
  auto refund_in = [&](attempt_state state, std::int64_t amount) {
    attempt a;
    a.number = static_cast<int>(paid.attempts.size()) + 1;
    a.kind = attempt_kind::refund;
    a.state = state;
    a.amount = amount;
    paid.attempts.push_back(a);
  };
  refund_in(attempt_state::unknown, 300);
  refund_in(attempt_state::pending, 200);
  refund_in(attempt_state::succeeded, 100);
  refund_in(attempt_state::declined, 900);
  refund_in(attempt_state::voided, 900);
  CHECK(detail::refundable_amount(paid) == 400);
  const detail::write_context refund_ctx{"n", 1000};
  CHECK(detail::plan_refund(paid, 401, "", refund_ctx).rejection == errc::invalid_amount);
  auto ok = detail::plan_refund(paid, std::nullopt, "", refund_ctx);
  REQUIRE(ok.write.has_value());
  CHECK(ok.write->expected_version == 7);  // applied by compare-and-set on this version
  CHECK(ok.write->attempt->value.amount == 400);
  CHECK(ok.write->attempt->value.number == 7);
  CHECK(ok.write->intent.status == intent_status::succeeded);
}

TEST_CASE("async_refund and async_retrieve_refund answer like their synchronous forms") {
  capture_fixture f;
  auto paid = f.captured("o", 900);
  refund_params p;
  p.amount = 250;
  auto made =
      f.service.async_refund("acme", "ar", paid.id.str(), p, nullptr, boost::asio::use_future)
          .get();
  CHECK(made.refund.status == refund_status::succeeded);
  CHECK(made.intent.amount_refunded() == 250);
  auto found =
      f.service.async_retrieve_refund("acme", made.refund.id, nullptr, boost::asio::use_future)
          .get();
  CHECK(found == made.refund);
  auto replay =
      f.service.async_refund("acme", "ar", paid.id.str(), p, nullptr, boost::asio::use_future)
          .get();
  CHECK(replay.replayed);
  CHECK(replay.refund.id == made.refund.id);
}
