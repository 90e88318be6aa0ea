// The state machine alone, without a store: every rule of docs/design.md, "The state machine".
#include "engine/planner.hpp"
#include "engine/review_settlement.hpp"

#include <doctest/doctest.h>

using namespace payintent;
using namespace payintent::detail;

namespace {

const write_context ctx{"planner-node", 60'000};

payment_intent intent_in(intent_status status, std::vector<attempt_state> attempts = {}) {
  payment_intent i;
  i.id = intent_id("pi_AAAAAAAAAAAAAAAAAAAAAAAA");
  i.tenant = tenant_id("acme");
  i.amount = money{100, find_currency("EUR")};
  i.status = status;
  i.payment_method = "pm_card_visa";
  i.version = 7;
  for (auto s : attempts) {
    attempt a;
    a.number = static_cast<int>(i.attempts.size()) + 1;
    a.reference = attempt_reference(i.id, a.number);
    a.state = s;
    a.fence = 3;
    i.attempts.push_back(a);
  }
  return i;
}

}  // namespace

TEST_CASE("confirm is allowed from created and failed only") {
  for (auto s : {intent_status::processing, intent_status::requires_action,
                 intent_status::succeeded, intent_status::canceled,
                 intent_status::requires_review}) {
    CAPTURE(s);
    auto p = plan_confirm(intent_in(s), "", ctx);
    CHECK_FALSE(p.write);
    CHECK(p.rejection == errc::invalid_state);
  }
  auto from_failed = plan_confirm(intent_in(intent_status::failed, {attempt_state::declined}),
                                  "", ctx);
  REQUIRE(from_failed.write);
  CHECK(from_failed.started_attempt == 2);
  CHECK(from_failed.write->expected_version == 7);
  CHECK(from_failed.write->intent.status == intent_status::processing);
  REQUIRE(from_failed.write->attempt);
  CHECK_FALSE(from_failed.write->attempt->expected_fence);  // an insert
  CHECK(from_failed.write->attempt->value.state == attempt_state::init);
  CHECK(from_failed.write->attempt->value.fence == 1);
  CHECK(from_failed.write->attempt->lease_ttl_ms == 60'000);
  CHECK(from_failed.write->audit.size() == 2);
}

TEST_CASE("no new attempt while one is unresolved (invariant 2)") {
  for (auto s : {attempt_state::init, attempt_state::pending, attempt_state::unknown}) {
    CAPTURE(s);
    auto p = plan_confirm(intent_in(intent_status::failed, {s}), "", ctx);
    CHECK(p.rejection == errc::invalid_state);
  }
}

TEST_CASE("cancel is allowed from created, requires_action and failed only") {
  for (auto s : {intent_status::created, intent_status::requires_action, intent_status::failed}) {
    CAPTURE(s);
    auto p = plan_cancel(intent_in(s), "duplicate", ctx);
    REQUIRE(p.write);
    CHECK(p.write->intent.status == intent_status::canceled);
    CHECK(p.write->audit.back().detail == "duplicate");
  }
  for (auto s : {intent_status::processing, intent_status::succeeded, intent_status::canceled,
                 intent_status::requires_review}) {
    CAPTURE(s);
    CHECK(plan_cancel(intent_in(s), "", ctx).rejection == errc::invalid_state);
  }
}

TEST_CASE("each outcome kind lands on the attempt and the intent") {
  struct row {
    network_outcome outcome;
    attempt_state attempt_to;
    intent_status intent_to;
  };
  next_action challenge{"redirect_to_url", "https://acs.example/c", "", "3ds-1"};
  for (const auto& r : {row{network_outcome::approved("ntx"), attempt_state::authorized,
                            intent_status::succeeded},
                        row{network_outcome::declined("do_not_honor"), attempt_state::declined,
                            intent_status::failed},
                        row{network_outcome::challenge(challenge),
                            attempt_state::challenge_pending, intent_status::requires_action},
                        row{network_outcome::pending(), attempt_state::pending,
                            intent_status::processing},
                        row{network_outcome::unknown(), attempt_state::unknown,
                            intent_status::processing},
                        row{network_outcome::not_sent(), attempt_state::not_sent,
                            intent_status::failed}}) {
    CAPTURE(r.outcome.kind);
    auto w = plan_outcome(intent_in(intent_status::processing, {attempt_state::init}), 1, 3,
                          r.outcome, ctx);
    REQUIRE(w);
    CHECK(w->attempt->value.state == r.attempt_to);
    CHECK(w->attempt->expected_fence == 3u);
    CHECK(w->attempt->value.lease_expires_at_ms == 0);
    CHECK(w->intent.status == r.intent_to);
    CHECK(w->intent.next_action.has_value() == (r.outcome.kind == outcome_kind::challenge));
    CHECK(w->intent.last_error.has_value() == (r.intent_to == intent_status::failed));
  }
}

TEST_CASE("an outcome under a stale fence, or for a settled attempt, is late") {
  auto held = intent_in(intent_status::processing, {attempt_state::init});
  CHECK_FALSE(plan_outcome(held, 1, 2, network_outcome::approved(), ctx));
  CHECK_FALSE(plan_outcome(held, 2, 3, network_outcome::approved(), ctx));
  auto settled = intent_in(intent_status::succeeded, {attempt_state::authorized});
  CHECK_FALSE(plan_outcome(settled, 1, 3, network_outcome::declined("x"), ctx));
  const auto j = judge_late_outcome(held, 1, network_outcome::approved());
  CHECK(j == late_judgement::held);
  auto late = plan_late_outcome(held, 1, 2, network_outcome::approved(), j, nullptr, ctx);
  CHECK_FALSE(late.attempt);
  REQUIRE(late.audit.size() == 1);
  CHECK(late.audit[0].event == "late_outcome");
  CHECK(late.audit[0].fence == 2u);  // the late writer's own fence
  CHECK(late.intent.status == intent_status::processing);
}

TEST_CASE("a late outcome is judged on the intent its write commits on") {
  const auto approved = network_outcome::approved();
  CHECK(judge_late_outcome(intent_in(intent_status::succeeded, {attempt_state::authorized}), 1,
                           approved) == late_judgement::adopted);
  CHECK(judge_late_outcome(intent_in(intent_status::failed, {attempt_state::voided}), 1,
                           approved) == late_judgement::unadopted);
  CHECK(judge_late_outcome(intent_in(intent_status::requires_review, {attempt_state::init}), 1,
                           approved) == late_judgement::in_review);
  CHECK(judge_late_outcome(intent_in(intent_status::failed, {attempt_state::voided}), 1,
                           network_outcome::declined("x")) == late_judgement::no_money);

  // Unadopted money that could not be voided: the intent failed on this
  // attempt goes to review; one that moved on to a new attempt only records.
  auto failed = intent_in(intent_status::failed, {attempt_state::voided});
  const late_void refused{false, "void refused"};
  auto w = plan_late_outcome(failed, 1, 1, approved, late_judgement::unadopted, &refused, ctx);
  CHECK(w.intent.status == intent_status::requires_review);
  auto moved_on =
      intent_in(intent_status::processing, {attempt_state::voided, attempt_state::init});
  w = plan_late_outcome(moved_on, 1, 1, approved, late_judgement::unadopted, &refused, ctx);
  CHECK(w.intent.status == intent_status::processing);
  const late_void done{true, {}};
  w = plan_late_outcome(failed, 1, 1, approved, late_judgement::unadopted, &done, ctx);
  CHECK(w.intent.status == intent_status::failed);
}

TEST_CASE("at most one authorized attempt per intent (invariant 4)") {
  // Once an attempt is authorized the intent is succeeded, which admits no
  // confirm, and a second outcome for a settled attempt is refused.
  auto paid = intent_in(intent_status::succeeded, {attempt_state::authorized});
  CHECK(plan_confirm(paid, "pm_card_visa", ctx).rejection == errc::invalid_state);
  CHECK_FALSE(plan_outcome(paid, 1, 3, network_outcome::approved(), ctx));
}

// ---- settle_review by the kind of the attempt in review ----

namespace {

review_settlement settled_as(intent_status as) {
  return {.as = as, .operator_name = "alice", .reason = "checked", .network_reference = "ch_1"};
}

// An intent in review whose latest attempt is a `kind` in unknown, after an
// authorized first attempt when the kind follows one.
payment_intent in_review_with(attempt_kind kind) {
  if (kind == attempt_kind::authorization) {
    auto i = intent_in(intent_status::requires_review, {attempt_state::unknown});
    i.capture_method = capture_method::manual;
    return i;
  }
  auto i = intent_in(intent_status::requires_review,
                     {attempt_state::authorized, attempt_state::unknown});
  i.capture_method = capture_method::manual;
  i.attempts[1].kind = kind;
  i.attempts[1].amount = 100;
  return i;
}

}  // namespace

TEST_CASE("settle_review decides by the kind of the attempt in review") {
  struct row {
    attempt_kind kind;
    intent_status as, status;
    attempt_state state;
  };
  for (const row r : {
           // A manual-capture authorization holds the money: capture still to come.
           row{attempt_kind::authorization, intent_status::succeeded,
               intent_status::requires_capture, attempt_state::authorized},
           row{attempt_kind::authorization, intent_status::failed, intent_status::failed,
               attempt_state::voided},
           row{attempt_kind::capture, intent_status::succeeded, intent_status::succeeded,
               attempt_state::succeeded},
           row{attempt_kind::capture, intent_status::failed, intent_status::requires_capture,
               attempt_state::voided},
           row{attempt_kind::release, intent_status::succeeded, intent_status::canceled,
               attempt_state::succeeded},
           row{attempt_kind::release, intent_status::failed, intent_status::requires_capture,
               attempt_state::voided},
       }) {
    CAPTURE(r.kind);
    CAPTURE(r.as);
    const auto current = in_review_with(r.kind);
    auto p = plan_settle_review(current, settled_as(r.as), ctx);
    REQUIRE(p.write);
    CHECK(p.write->intent.status == r.status);
    REQUIRE(p.write->attempt);
    CHECK(p.write->attempt->value.number == current.latest_attempt()->number);
    CHECK(p.write->attempt->value.state == r.state);
    CHECK(p.write->attempt->value.fence == 4);
    CHECK(p.write->audit.back().to == std::string(to_string(r.status)));
  }
  // A follow-up in review after an authorized authorization is settled;
  // a second authorization is not, while the first stands authorized.
  auto twice = intent_in(intent_status::requires_review,
                         {attempt_state::authorized, attempt_state::unknown});
  CHECK(plan_settle_review(twice, settled_as(intent_status::succeeded), ctx).rejection ==
        errc::invalid_state);
}
