// examples/http_card_network: the answer mapping, the simulated gateway's
// books, the ledger check, and the card_network over loopback in the corners
// the example's story does not reach (a resend that is lost too, a void
// before the request arrives, a gateway that is down, a bad reference).
#include "http_card_network/gateway_answers.hpp"
#include "http_card_network/gateway_ledger.hpp"
#include "http_card_network/gateway_simulator.hpp"
#include "http_card_network/http_card_network.hpp"
#include "http_card_network/ledger_check.hpp"

#include <doctest/doctest.h>

#include <future>
#include <optional>
#include <string>

using namespace payintent;
using namespace payintent::gateway;
using namespace std::chrono_literals;

namespace {

exchange_result answered(unsigned status, std::string body) {
  exchange_result r;
  r.stage = exchange_stage::answered;
  r.answer.result(status);
  r.answer.body() = std::move(body);
  return r;
}

exchange_result unanswered(exchange_stage stage) {
  exchange_result r;
  r.stage = stage;
  r.failure = "connect: Connection refused";
  return r;
}

authorization_request charge(std::string reference, std::string token = "tok_visa") {
  authorization_request r;
  r.reference = std::move(reference);
  r.amount = money{1200, find_currency("EUR")};
  r.payment_method = std::move(token);
  return r;
}

network_outcome authorize(card_network& n, const authorization_request& r) {
  std::promise<network_outcome> p;
  n.async_authorize(r, [&](network_outcome o) { p.set_value(std::move(o)); });
  return p.get_future().get();
}

result<lookup_result> lookup(card_network& n, const std::string& reference) {
  std::promise<result<lookup_result>> p;
  n.async_lookup(reference, [&](error_code ec, lookup_result found) {
    p.set_value(ec ? result<lookup_result>(ec) : result<lookup_result>(std::move(found)));
  });
  return p.get_future().get();
}

error_code void_reference(card_network& n, const std::string& reference) {
  std::promise<error_code> p;
  n.async_void(reference, [&](error_code ec) { p.set_value(ec); });
  return p.get_future().get();
}

// The gateway's line for `key`, if it has one.
std::optional<ledger_entry> entry(const gateway_simulator& g, const std::string& key) {
  for (const auto& e : g.ledger().entries()) {
    if (e.key == key) return e;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("authorize: money moved or not only when the gateway said so") {
  using k = outcome_kind;
  CHECK(authorize_outcome(unanswered(exchange_stage::never_connected)).kind == k::not_sent);
  CHECK(authorize_outcome(unanswered(exchange_stage::no_answer)).kind == k::unknown);
  const auto approved =
      authorize_outcome(answered(200, R"({"status":"approved","authorization_id":"auth_7"})"));
  CHECK(approved.kind == k::approved);
  CHECK(approved.network_transaction_id == "auth_7");
  const auto declined =
      authorize_outcome(answered(200, R"({"status":"declined","decline_code":"do_not_honor"})"));
  CHECK(declined.kind == k::declined);
  CHECK(declined.decline_code == "do_not_honor");
  CHECK(authorize_outcome(answered(200, R"({"status":"voided"})")).decline_code ==
        "reference_voided");
  CHECK(authorize_outcome(answered(200, R"({"status":"pending"})")).kind == k::pending);
  CHECK(authorize_outcome(answered(400, R"({"error":"bad"})")).decline_code == "invalid_request");
  // The key may hold an authorization these answers do not describe.
  CHECK(authorize_outcome(answered(409, R"({"error":"reused"})")).kind == k::unknown);
  CHECK(authorize_outcome(answered(502, "<html>bad gateway</html>")).kind == k::unknown);
  CHECK(authorize_outcome(answered(200, "not json")).kind == k::unknown);
  CHECK(authorize_outcome(answered(200, R"({"status":"maybe"})")).kind == k::unknown);
}

TEST_CASE("lookup and void: found, voided, not found, or an error") {
  CHECK_FALSE(lookup_outcome(answered(404, R"({"error":"none"})")).value().found);
  const auto voided = lookup_outcome(answered(200, R"({"status":"voided"})")).value();
  CHECK((voided.found && voided.voided));
  const auto found =
      lookup_outcome(answered(200, R"({"status":"approved","authorization_id":"a"})"));
  CHECK(found.value().outcome.kind == outcome_kind::approved);
  CHECK(lookup_outcome(answered(500, "")).error() == errc::card_network_error);
  CHECK(lookup_outcome(answered(200, R"({"status":"maybe"})")).error() == errc::card_network_error);
  CHECK(lookup_outcome(unanswered(exchange_stage::no_answer)).error() == errc::card_network_error);
  CHECK(void_outcome(answered(200, R"({"status":"voided"})")));
  CHECK(void_outcome(answered(503, "")).error() == errc::card_network_error);
  CHECK(void_outcome(unanswered(exchange_stage::never_connected)).error() ==
        errc::card_network_error);
}

TEST_CASE("the simulated gateway's books: one charge per key, a void refuses a late arrival") {
  gateway_ledger books;
  const charge_request visa{1200, "EUR", "tok_visa"};
  CHECK(books.authorize("k1", visa).body.at("status") == "approved");
  CHECK(books.authorize("k1", visa).body == books.authorize("k1", visa).body);  // replays
  CHECK(books.authorize("k1", {999, "EUR", "tok_visa"}).http_status == 409);
  CHECK(books.authorize("k2", {1200, "EUR", "tok_insufficient_funds"}).body.at("decline_code") ==
        "insufficient_funds");
  CHECK(books.lookup("k3").http_status == 404);
  CHECK(books.void_key("k3").http_status == 200);  // before any request under it
  CHECK(books.authorize("k3", visa).body.at("status") == "voided");
  const auto entries = books.entries();
  REQUIRE(entries.size() == 3);
  CHECK((entries[0].key == "k1" && entries[0].requests == 3 && entries[0].charges == 1));
  CHECK(entries[2].charges == 0);
}

TEST_CASE("the ledger check fails on a double charge, a stray charge, or an unsettled intent") {
  payment_intent ok;
  ok.id = intent_id("pi_okokokokokokokokokokokok");
  ok.status = intent_status::succeeded;
  ok.attempts.push_back(attempt{.number = 1, .reference = "pi_ok-a1"});
  ledger_entry charged{.key = "pi_ok-a1", .requests = 1, .charges = 1, .approved = true};
  CHECK(check_ledger({ok}, {charged}).ok);

  ledger_entry twice = charged;
  twice.charges = 2;
  CHECK_FALSE(check_ledger({ok}, {twice}).ok);
  ledger_entry stray{.key = "pi_nobody-a1", .requests = 1, .charges = 1, .approved = true};
  CHECK_FALSE(check_ledger({ok}, {charged, stray}).ok);
  payment_intent processing = ok;
  processing.status = intent_status::processing;
  CHECK_FALSE(check_ledger({processing}, {charged}).ok);
  payment_intent failed = ok;
  failed.status = intent_status::failed;
  CHECK_FALSE(check_ledger({failed}, {charged}).ok);  // failed, yet charged
  charged.voided = true;
  CHECK(check_ledger({failed}, {charged}).ok);
}

TEST_CASE("over loopback: the corners the story does not reach") {
  gateway_simulator gateway({.latency = 0ms, .late_by = 200ms});
  http_card_network network(
      {.gateway = gateway.endpoint(), .authorize_timeout = 2000ms, .lookup_timeout = 1000ms});

  SUBCASE("a resend that is lost too stays unknown; the gateway charged once") {
    gateway.inject(fault::drop_answer);
    gateway.inject(fault::drop_answer);
    CHECK(authorize(network, charge("pi_lost-a1")).kind == outcome_kind::unknown);
    const auto e = entry(gateway, "pi_lost-a1");
    REQUIRE(e);
    CHECK((e->requests == 2 && e->charges == 1));
    CHECK(lookup(network, "pi_lost-a1").value().outcome.kind == outcome_kind::approved);
  }
  SUBCASE("a void before the request arrives refuses it") {
    CHECK_FALSE(lookup(network, "pi_late-a1").value().found);
    CHECK_FALSE(void_reference(network, "pi_late-a1"));
    const auto late = authorize(network, charge("pi_late-a1"));
    CHECK((late.kind == outcome_kind::declined && late.decline_code == "reference_voided"));
    CHECK(lookup(network, "pi_late-a1").value().voided);
    CHECK(entry(gateway, "pi_late-a1")->charges == 0);
  }
  SUBCASE("a reference that cannot be a gateway key is never sent") {
    CHECK(authorize(network, charge("pi bad/../a1")).kind == outcome_kind::not_sent);
    CHECK(lookup(network, "pi bad").error() == errc::invalid_argument);
    CHECK(gateway.ledger().entries().empty());
  }
  SUBCASE("a gateway that is down: not_sent, and lookup and void fail") {
    gateway.stop_listening();
    CHECK(authorize(network, charge("pi_down-a1")).kind == outcome_kind::not_sent);
    CHECK(lookup(network, "pi_down-a1").error() == errc::card_network_error);
    CHECK(void_reference(network, "pi_down-a1") == errc::card_network_error);
  }
}

TEST_CASE("check_timeouts: authorize within half the lease, lookup below network_timeout") {
  service_options service;                                      // lease 60 s, network_timeout 30 s
  CHECK_FALSE(http_card_network::check_timeouts({}, service));  // the defaults fit
  CHECK(http_card_network::check_timeouts({.authorize_timeout = 31s}, service));
  CHECK(http_card_network::check_timeouts({.lookup_timeout = 30s}, service));
}
