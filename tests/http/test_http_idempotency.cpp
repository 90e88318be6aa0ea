// Idempotency-Key over HTTP: replays, reuse, missing keys, concurrent
// duplicates, durability across a restart, and the 409 that asks for a retry.
#include "http/metrics_text.hpp"
#include "http/server_process.hpp"
#include "support/http_client.hpp"

#include "http_server/api_error.hpp"
#include "http_server/router.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <set>
#include <thread>
#include <vector>

using namespace payintent::test;

namespace {

constexpr const char* charge_form =
    "amount=1999&currency=eur&confirm=true&payment_method=pm_card_visa";

}  // namespace

TEST_CASE("a retried charge replays the original and authorizes once") {
  server_process server;
  http_client client(server.port());
  auto first = client.post("/v1/payment_intents", charge_form, acme_key, "order-1");
  REQUIRE(first.status == 200);
  CHECK(first.header("idempotent-replayed").empty());
  for (int retry = 0; retry < 3; ++retry) {
    auto again = client.post("/v1/payment_intents", charge_form, acme_key, "order-1");
    REQUIRE(again.status == 200);
    CHECK(again.header("idempotent-replayed") == "true");
    CHECK(again.text("id") == first.text("id"));
  }
  // The same key in another tenant is another request.
  auto other = client.post("/v1/payment_intents", charge_form, other_key, "order-1");
  REQUIRE(other.status == 200);
  CHECK(other.header("idempotent-replayed").empty());
  CHECK(other.text("id") != first.text("id"));

  const auto m = scrape(client);
  CHECK(m.value("payintent_authorizations_total") == 2);
  CHECK(m.value("payintent_http_replays_total") == 3);
}

TEST_CASE("missing key 400, reused with other parameters 422") {
  server_process server;
  http_client client(server.port());
  auto missing = client.post("/v1/payment_intents", charge_form, acme_key, "");
  CHECK(missing.status == 400);
  CHECK(missing.error_field("code") == "missing_idempotency_key");
  auto confirm_missing =
      client.post("/v1/payment_intents/pi_000000000000000000000000/confirm", "", acme_key, "");
  CHECK(confirm_missing.status == 400);

  auto bad_key = client.post("/v1/payment_intents", charge_form, acme_key, std::string(256, 'k'));
  CHECK(bad_key.status == 400);
  CHECK(bad_key.error_field("code") == "invalid_idempotency_key");

  REQUIRE(client.post("/v1/payment_intents", charge_form, acme_key, "order-2").status == 200);
  auto reused = client.post("/v1/payment_intents",
                            "amount=2000&currency=eur&confirm=true&payment_method=pm_card_visa",
                            acme_key, "order-2");
  CHECK(reused.status == 422);
  CHECK(reused.error_field("type") == "idempotency_error");
  CHECK(reused.error_field("code") == "idempotency_key_reused");
  CHECK(scrape(client).value("payintent_authorizations_total") == 1);
}

TEST_CASE("concurrent duplicates on many connections share one charge") {
  server_process server({.network_latency_ms = "50-150"});
  constexpr int clients = 12;
  std::vector<std::string> ids(clients);
  std::vector<int> statuses(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      http_client client(server.port());
      auto r = client.post("/v1/payment_intents", charge_form, acme_key, "storm-key");
      statuses[i] = r.status;
      if (r.status == 200) ids[i] = r.text("id");
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  for (int i = 0; i < clients; ++i) {
    CHECK(statuses[i] == 200);
    distinct.insert(ids[i]);
  }
  CHECK(distinct.size() == 1);
  http_client client(server.port());
  // Let the one attempt finish, then count what the network did.
  for (int i = 0;
       i < 1500 &&
       client.get("/v1/payment_intents/" + ids[0], acme_key).json().at("status") != "succeeded";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(scrape(client).value("payintent_authorizations_total") == 1);
}

TEST_CASE("with an SQLite store, a key replays after the server restarts") {
  const std::string path = "/tmp/payintent_http_restart_" + std::to_string(::getpid()) + ".db";
  std::remove(path.c_str());
  std::string first_id;
  {
    server_process server({.store = "sqlite:" + path});
    http_client client(server.port());
    auto r = client.post("/v1/payment_intents", charge_form, acme_key, "durable-1");
    REQUIRE(r.status == 200);
    CHECK(r.json().at("status") == "succeeded");
    first_id = r.text("id");
  }
  server_process server({.store = "sqlite:" + path});
  http_client client(server.port());
  auto again = client.post("/v1/payment_intents", charge_form, acme_key, "durable-1");
  REQUIRE(again.status == 200);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.text("id") == first_id);
  CHECK(again.json().at("status") == "succeeded");
  // This server's network authorized nothing: the replay did not charge again.
  CHECK(scrape(client).value("payintent_authorizations_total") == 0);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// No shipped store answers "in progress" today (a claim commits the key and
// its attempt in one transaction), so a live server cannot be driven into
// it; this checks the response the server gives when the library says so.
TEST_CASE("a key still in use answers 409 with Retry-After") {
  payintent::diagnostics diag{"a request with this idempotency key is still running"};
  const auto e = payintent::http::from_library(payintent::errc::idempotency_key_in_use, &diag);
  const auto res = payintent::http::error_response(e);
  CHECK(res.result_int() == 409);
  CHECK(res[boost::beast::http::field::retry_after] == "1");
  const auto body = boost::json::parse(res.body());
  CHECK(body.at("error").at("type") == "idempotency_error");
  CHECK(body.at("error").at("code") == "idempotency_key_in_use");

  const auto busy = payintent::http::error_response(
      payintent::http::from_library(payintent::errc::store_unavailable, nullptr));
  CHECK(busy.result_int() == 503);
  CHECK(busy[boost::beast::http::field::retry_after] == "1");
  const auto reused = payintent::http::error_response(
      payintent::http::from_library(payintent::errc::idempotency_key_reused, nullptr));
  CHECK(reused[boost::beast::http::field::retry_after].empty());
}
