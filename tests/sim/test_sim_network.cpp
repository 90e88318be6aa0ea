// sim_network against its header and the card_network contract, in a
// single-threaded virtual-time world.
#include "sim_network.hpp"
#include "test_doubles.hpp"
#include "test_world.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

using namespace payintent;
using namespace payintent::sim;
using payintent::sim::test::request_for;
using payintent::sim::test::test_world;

namespace {

// Only `kind` is drawn (the other weights are zero); lookups and voids never fail.
sim_network_options only_behaviour(double sim_network_options::*kind) {
  sim_network_options o;
  o.approve = o.decline = o.challenge = o.pending = 0;
  o.unknown = o.not_sent = o.lost = o.late = 0;
  o.*kind = 1;
  o.lookup_error = o.void_error = 0;
  return o;
}

// The outcome the handler got, once it ran.
struct heard {
  std::optional<network_outcome> outcome;
  std::int64_t at = 0;
};

void authorize(sim_network& n, test_world& w, const authorization_request& r, heard& h) {
  n.async_authorize(r, [&h, &w](network_outcome o) {
    CHECK_FALSE(h.outcome.has_value());  // exactly once
    h.outcome = std::move(o);
    h.at = w.now();
  });
}

lookup_result lookup_now(sim_network& n, test_world& w, const std::string& reference) {
  std::optional<lookup_result> got;
  n.async_lookup(reference, [&](error_code ec, lookup_result r) {
    CHECK_FALSE(ec);
    got = std::move(r);
  });
  w.run();
  REQUIRE(got.has_value());
  return *got;
}

error_code void_now(sim_network& n, test_world& w, const std::string& reference) {
  std::optional<error_code> got;
  n.async_void(reference, [&](error_code ec) { got = ec; });
  w.run();
  REQUIRE(got.has_value());
  return *got;
}

}  // namespace

TEST_CASE("sim_network: the ledger counts calls, money moved and voids per reference") {
  test_world w(1);
  sim_network n(w.hooks(), only_behaviour(&sim_network_options::approve));
  std::vector<heard> h(3);
  for (int i = 0; i < 3; ++i) authorize(n, w, request_for("pi_a", i + 1), h[i]);
  CHECK_FALSE(h[0].outcome.has_value());  // never inline
  w.run();
  for (int i = 0; i < 3; ++i) {
    const std::string reference = attempt_reference(intent_id("pi_a"), i + 1);
    REQUIRE(h[i].outcome.has_value());
    CHECK(h[i].outcome->kind == outcome_kind::approved);
    CHECK(n.authorize_calls(reference) == 1);
    CHECK(n.moved(reference) == 1);
    CHECK(n.live_authorizations(reference) == 1);
  }
  CHECK(n.references().size() == 3);
  CHECK(n.peak_live_authorizations(intent_id("pi_a")) == 3);

  const std::string first = attempt_reference(intent_id("pi_a"), 1);
  CHECK_FALSE(void_now(n, w, first));
  CHECK(n.voided(first));
  CHECK(n.moved(first) == 1);
  CHECK(n.live_authorizations(first) == 0);
  const lookup_result found = lookup_now(n, w, first);
  CHECK(found.found);
  CHECK(found.voided);
  CHECK(found.outcome.kind == outcome_kind::approved);

  CHECK_FALSE(void_now(n, w, "pi_none-a1"));  // voiding nothing succeeds
  CHECK_FALSE(lookup_now(n, w, "pi_none-a1").found);
}

TEST_CASE("sim_network: a void reverses an authorization that arrives after it") {
  auto o = only_behaviour(&sim_network_options::late);
  o.late_answers_after_arrival = 1;
  test_world w(2);
  sim_network n(w.hooks(), o);
  const auto r = request_for("pi_late", 1);
  heard h;
  const std::int64_t sent = w.now();
  authorize(n, w, r, h);
  CHECK(n.moved(r.reference) == 0);  // still in transit
  bool void_answered = false;
  n.async_void(r.reference, [&](error_code ec) {
    CHECK_FALSE(ec);
    void_answered = true;
  });
  CHECK(n.moved(r.reference) == 0);  // the void came first
  w.run();
  CHECK(void_answered);
  REQUIRE(h.outcome.has_value());
  CHECK(h.outcome->kind == outcome_kind::approved);  // told after the arrival
  CHECK(h.at - sent >= o.lease.count());
  CHECK(n.moved(r.reference) == 1);
  CHECK(n.live_authorizations(r.reference) == 0);
  CHECK(n.peak_live_authorizations(r.intent) == 0);
  const lookup_result found = lookup_now(n, w, r.reference);
  CHECK(found.found);
  CHECK(found.voided);

  SUBCASE("without a void it stays live") {
    const auto other = request_for("pi_late", 2);
    heard h2;
    authorize(n, w, other, h2);
    w.run();
    CHECK(n.live_authorizations(other.reference) == 1);
  }
}

TEST_CASE("sim_network: lookup reports pending, then what it resolved to") {
  for (const bool approves : {true, false}) {
    CAPTURE(approves);
    auto o = only_behaviour(&sim_network_options::pending);
    o.pending_approves = approves ? 1 : 0;
    test_world w(3);
    sim_network n(w.hooks(), o);
    const auto r = request_for("pi_p", 1);
    heard h;
    authorize(n, w, r, h);
    std::optional<lookup_result> early;
    n.async_lookup(r.reference, [&](error_code ec, lookup_result found) {
      CHECK_FALSE(ec);
      early = std::move(found);
    });
    w.run();
    REQUIRE(h.outcome.has_value());
    CHECK(h.outcome->kind == outcome_kind::pending);
    REQUIRE(early.has_value());
    CHECK(early->found);
    CHECK(early->outcome.kind == outcome_kind::pending);
    const lookup_result late = lookup_now(n, w, r.reference);
    CHECK(late.found);
    CHECK(late.outcome.kind == (approves ? outcome_kind::approved : outcome_kind::declined));
    CHECK(n.moved(r.reference) == (approves ? 1u : 0u));
  }
}

TEST_CASE("sim_network: with faults off nothing is unknown, unsent, lost or slow") {
  sim_network_options o;
  o.faults = false;
  test_world w(4);
  sim_network n(w.hooks(), o);
  constexpr int calls = 400;
  std::vector<heard> h(calls);
  for (int i = 0; i < calls; ++i) authorize(n, w, request_for(fmt::format("pi_{}", i), 1), h[i]);
  const std::int64_t sent = w.now();
  int lookup_errors = 0, void_errors = 0;
  for (int i = 0; i < calls; ++i) {
    const std::string reference = attempt_reference(intent_id(fmt::format("pi_{}", i)), 1);
    n.async_lookup(reference, [&](error_code ec, lookup_result) { lookup_errors += ec ? 1 : 0; });
    n.async_void(reference, [&](error_code ec) { void_errors += ec ? 1 : 0; });
  }
  w.run();
  std::vector<int> kinds(8, 0);
  for (const heard& one : h) {
    REQUIRE(one.outcome.has_value());
    ++kinds[static_cast<std::size_t>(one.outcome->kind)];
    CHECK(one.at - sent <= o.quiet_latency.count());
  }
  CHECK(kinds[static_cast<std::size_t>(outcome_kind::unknown)] == 0);
  CHECK(kinds[static_cast<std::size_t>(outcome_kind::not_sent)] == 0);
  CHECK(kinds[static_cast<std::size_t>(outcome_kind::approved)] > 0);
  CHECK(kinds[static_cast<std::size_t>(outcome_kind::pending)] > 0);
  CHECK(lookup_errors == 0);
  CHECK(void_errors == 0);
}

namespace {

// A run mixing every behaviour, told as text: what each call heard, when.
std::vector<std::string> mixed_run(std::uint64_t seed) {
  test_world w(seed);
  sim_network n(w.hooks());
  std::vector<std::string> told;
  for (int i = 0; i < 200; ++i) {
    const auto r = request_for(fmt::format("pi_{}", i % 50), i / 50 + 1);
    n.async_authorize(r, [&, ref = r.reference](network_outcome o) {
      told.push_back(fmt::format("{} {} {} {}{}", w.now(), ref, o.kind, o.network_transaction_id,
                                 o.action ? o.action->three_ds_server_trans_id : ""));
    });
    if (i % 3 == 0) {
      n.async_void(r.reference, [&, ref = r.reference](error_code ec) {
        told.push_back(fmt::format("{} void {} {}", w.now(), ref, ec.value()));
      });
    }
    n.async_lookup(r.reference, [&, ref = r.reference](error_code ec, lookup_result found) {
      told.push_back(fmt::format("{} lookup {} {} {} {} {}", w.now(), ref, ec.value(), found.found,
                                 found.outcome.kind, found.voided));
    });
    w.run_until(w.now() + 37);
  }
  w.run();
  for (const std::string& reference : n.references()) {
    told.push_back(fmt::format("{} {} {}", reference, n.moved(reference), n.voided(reference)));
  }
  return told;
}

}  // namespace

TEST_CASE("sim_network: the same seed tells the same story") {
  const auto first = mixed_run(42);
  const auto second = mixed_run(42);
  CHECK(first.size() > 400);
  CHECK(first == second);
  CHECK(first != mixed_run(43));
}

TEST_CASE("sim_network: 3-D Secure challenge, then an authorization carrying its authentication") {
  test_world w(5);
  sim_network n(w.hooks(), only_behaviour(&sim_network_options::challenge));
  heard h;
  authorize(n, w, request_for("pi_3ds", 1), h);
  w.run();
  REQUIRE(h.outcome.has_value());
  REQUIRE(h.outcome->kind == outcome_kind::challenge);
  REQUIRE(h.outcome->action.has_value());
  const std::string trans_id = h.outcome->action->three_ds_server_trans_id;
  CHECK_FALSE(trans_id.empty());
  CHECK(h.outcome->action->type == "redirect_to_url");
  CHECK_FALSE(lookup_now(n, w, attempt_reference(intent_id("pi_3ds"), 1)).found);

  const authenticate_params p = n.complete_challenge(trans_id, "Y");
  CHECK(p.three_ds_server_trans_id == trans_id);
  CHECK(p.eci == "05");
  CHECK_FALSE(p.authentication_value.empty());
  auto with = [&](int number, const authenticate_params& params, char status) {
    auto r = request_for("pi_3ds", number);
    r.authentication =
        three_ds_authentication{params.authentication_value, params.eci, params.ds_transaction_id,
                                params.message_version, status};
    return r;
  };
  heard approved, reused, forged, unavailable;
  authorize(n, w, with(2, p, 'Y'), approved);
  w.run();
  authorize(n, w, with(3, p, 'Y'), reused);  // good once only
  auto bad = p;
  bad.authentication_value = "cavv_forged";
  authorize(n, w, with(4, bad, 'Y'), forged);
  const authenticate_params u = n.complete_challenge(trans_id, "U");
  CHECK(u.authentication_value.empty());
  authorize(n, w, with(5, u, 'U'), unavailable);
  w.run();
  CHECK(approved.outcome->kind == outcome_kind::approved);
  CHECK(reused.outcome->kind == outcome_kind::declined);
  CHECK(reused.outcome->decline_code == "authentication_invalid");
  CHECK(forged.outcome->kind == outcome_kind::declined);
  CHECK(unavailable.outcome->kind == outcome_kind::approved);
  CHECK(n.live_authorizations(attempt_reference(intent_id("pi_3ds"), 2)) == 1);
}

TEST_CASE("sim_network: a lost answer is an unknown that comes after the lease; money moved") {
  auto o = only_behaviour(&sim_network_options::lost);
  test_world w(6);
  sim_network n(w.hooks(), o);
  const auto r = request_for("pi_lost", 1);
  heard h;
  const std::int64_t sent = w.now();
  authorize(n, w, r, h);
  CHECK(n.moved(r.reference) == 1);
  w.run();
  REQUIRE(h.outcome.has_value());
  CHECK(h.outcome->kind == outcome_kind::unknown);
  CHECK(h.at - sent >= 2 * o.lease.count());
}

TEST_CASE(
    "sim_network: with faults on, lookups and voids fail sometimes; a failed void may apply") {
  sim_network_options o;
  o.lookup_error = 0.5;
  o.void_error = 1;
  o.failed_void_applied = 0.5;
  test_world w(7);
  sim_network n(w.hooks(), o);
  int lookup_errors = 0, applied = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string reference = fmt::format("pi_v-a{}", i);
    n.async_lookup(reference, [&](error_code ec, lookup_result) {
      if (ec) {
        CHECK(ec == errc::card_network_error);
        ++lookup_errors;
      }
    });
    n.async_void(reference, [&](error_code ec) { CHECK(ec == errc::card_network_error); });
    applied += n.voided(reference) ? 1 : 0;
  }
  w.run();
  CHECK(lookup_errors > 20);
  CHECK(lookup_errors < 80);
  CHECK(applied > 20);
  CHECK(applied < 80);
}
