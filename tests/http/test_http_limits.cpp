// Bad input, limits, timeouts, the wait budget and /metrics over real HTTP.
#include "http/metrics_text.hpp"
#include "http/server_process.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <thread>

using namespace payintent::test;

namespace {

// A valid test card number (Luhn), which must never be accepted or logged.
constexpr const char* pan = "4242424242424242";

struct bad_case {
  const char* what;
  std::string form;
  const char* code;
  const char* param;
};

}  // namespace

TEST_CASE("bad input is a 400 with a clear message, and creates nothing") {
  server_process server;
  http_client client(server.port());
  const bad_case cases[] = {
      {"bad percent-escape", "amount=1%G0&currency=eur", "parameter_invalid", ""},
      {"amount not a number", "amount=abc&currency=eur", "parameter_invalid_integer", "amount"},
      {"amount with decimals", "amount=19.99&currency=eur", "parameter_invalid_integer", "amount"},
      {"amount zero", "amount=0&currency=eur", "invalid_amount", "amount"},
      {"amount negative", "amount=-5&currency=eur", "invalid_amount", "amount"},
      {"amount too large", "amount=99999999999&currency=eur", "invalid_amount", "amount"},
      {"amount missing", "currency=eur", "parameter_missing", "amount"},
      {"currency unknown", "amount=100&currency=xyz", "unknown_currency", "currency"},
      {"currency missing", "amount=100", "parameter_missing", "currency"},
      {"confirm not boolean", "amount=100&currency=eur&confirm=yes", "parameter_invalid",
       "confirm"},
      {"capture_method unknown", "amount=100&currency=eur&capture_method=later",
       "parameter_invalid", "capture_method"},
      {"unknown parameter", "amount=100&currency=eur&customer=cus_1", "parameter_unknown",
       "customer"},
      {"repeated parameter", "amount=100&amount=200&currency=eur", "parameter_invalid", "amount"},
      {"card number as payment method",
       std::string("amount=100&currency=eur&payment_method=") + pan, "raw_card_number",
       "payment_method"},
      {"card number in metadata",
       std::string("amount=100&currency=eur&metadata%5Bnote%5D=card+") + pan, "raw_card_number",
       "metadata[note]"},
      {"raw card fields", std::string("amount=100&currency=eur&card%5Bnumber%5D=") + pan,
       "raw_card_number", "card[number]"},
      {"card number with spaces", "amount=100&currency=eur&description=4242+4242+4242+4242",
       "raw_card_number", "description"},
  };
  int n = 0;
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto r = client.post("/v1/payment_intents", c.form, acme_key, "bad-" + std::to_string(++n));
    CHECK(r.status == 400);
    CHECK(r.error_field("type") == "invalid_request_error");
    CHECK(r.error_field("code") == c.code);
    CHECK(r.error_field("param") == c.param);
    CHECK(!r.error_field("message").empty());
    CHECK(r.body.find(pan) == std::string::npos);
  }
  auto wrong_type = client.request("POST", "/v1/payment_intents", R"({"amount":100})",
                                   {{"Authorization", bearer(acme_key)},
                                    {"Idempotency-Key", "json-1"},
                                    {"Content-Type", "application/json"}});
  CHECK(wrong_type.status == 400);
  CHECK(wrong_type.error_field("code") == "unsupported_content_type");

  // Nothing was charged, and no card number reached the server's output.
  CHECK(scrape(client).value("payintent_authorizations_total") == 0);
  CHECK(server.output().find(pan) == std::string::npos);
}

TEST_CASE("an oversized body is a 413 and the connection closes") {
  server_process server({.extra = {"--max-body-bytes", "1024"}});
  http_client client(server.port());
  auto r = client.post("/v1/payment_intents",
                       "amount=100&currency=eur&description=" + std::string(2000, 'x'), acme_key,
                       "big-1");
  CHECK(r.status == 413);
  CHECK(r.error_field("code") == "body_too_large");
  CHECK(client.wait_closed(std::chrono::seconds(5)));
  http_client fresh(server.port());
  CHECK(fresh.post("/v1/payment_intents", "amount=100&currency=eur", acme_key, "big-2").status ==
        200);
}

TEST_CASE("slow and idle clients are disconnected") {
  server_process server({.extra = {"--read-timeout-ms", "300"}});
  SUBCASE("a client that never finishes its headers") {
    http_client slow(server.port());
    slow.send_raw("POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\n");
    CHECK(slow.wait_closed(std::chrono::seconds(5)));
  }
  SUBCASE("a client that promises a body and stalls") {
    http_client slow(server.port());
    slow.send_raw(
        "POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\namount=1");
    CHECK(slow.wait_closed(std::chrono::seconds(5)));
  }
  SUBCASE("an idle keep-alive connection") {
    http_client idle(server.port());
    CHECK(idle.request("GET", "/metrics").status == 200);
    CHECK(idle.wait_closed(std::chrono::seconds(5)));
  }
  SUBCASE("a malformed request line") {
    http_client bad(server.port());
    bad.send_raw("NOT-HTTP\r\n\r\n");
    CHECK(bad.wait_closed(std::chrono::seconds(5)));
  }
}

TEST_CASE("the wait budget answers processing, and the attempt finishes in the background") {
  // The network takes 1 s; the budget is 50 ms.
  server_process server({.network_latency_ms = "1000-1000", .wait_budget_ms = "50"});
  http_client client(server.port());
  auto r = client.post("/v1/payment_intents",
                       "amount=1999&currency=eur&confirm=true&payment_method=pm_card_visa",
                       acme_key, "budget-1");
  REQUIRE(r.status == 200);
  CHECK(r.json().at("status") == "processing");
  const std::string id(r.json().at("id").as_string());
  std::string status = "processing";
  for (int i = 0; i < 1500 && status == "processing"; ++i) {  // at most 30 s
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    status = std::string(
        client.get("/v1/payment_intents/" + id, acme_key).json().at("status").as_string());
  }
  CHECK(status == "succeeded");
  auto replay = client.post("/v1/payment_intents",
                            "amount=1999&currency=eur&confirm=true&payment_method=pm_card_visa",
                            acme_key, "budget-1");
  CHECK(replay.json().at("status") == "succeeded");
  CHECK(replay.header("idempotent-replayed") == "true");
  CHECK(scrape(client).value("payintent_authorizations_total") == 1);
}

TEST_CASE("GET /metrics counts authorizations, statuses, replays and latency") {
  server_process server;
  http_client client(server.port());
  const std::string form = "amount=300&currency=eur&confirm=true&payment_method=pm_card_visa";
  REQUIRE(client.post("/v1/payment_intents", form, acme_key, "m-1").status == 200);
  REQUIRE(client.post("/v1/payment_intents", form, acme_key, "m-1").status == 200);
  REQUIRE(client.post("/v1/payment_intents", form, acme_key, "m-2").status == 200);
  REQUIRE(client.post("/v1/payment_intents", "amount=x&currency=eur", acme_key, "m-3").status ==
          400);
  REQUIRE(client.get("/v1/payment_intents/pi_x", other_key).status == 404);

  const auto r = client.request("GET", "/metrics");
  CHECK(r.header("content-type").starts_with("text/plain"));
  const auto m = parse_metrics(r.body);
  CHECK(m.value("payintent_authorizations_total") == 2);
  CHECK(m.value("payintent_http_requests_total{code=\"200\"}") == 3);
  CHECK(m.value("payintent_http_requests_total{code=\"400\"}") == 1);
  CHECK(m.value("payintent_http_requests_total{code=\"404\"}") == 1);
  CHECK(m.value("payintent_http_replays_total") == 1);
  CHECK(m.value("payintent_http_request_duration_seconds_count") == 5);
  CHECK(m.value("payintent_http_request_duration_seconds_bucket{le=\"+Inf\"}") == 5);
  CHECK(m.value("payintent_http_request_duration_seconds_bucket{le=\"0.001\"}") <=
        m.value("payintent_http_request_duration_seconds_bucket{le=\"5\"}"));
}

TEST_CASE("bad command lines exit 2 with the reason") {
  std::string out;
  CHECK(run_server_to_exit({"--port", "0"}, out) == 2);
  CHECK(out.find("missing --store") != std::string::npos);
  CHECK(run_server_to_exit({"--port", "0", "--store", "redis", "--api-key", "k=t",
                            "--network-latency-ms", "1-2", "--wait-budget-ms", "5"},
                           out) == 2);
  CHECK(out.find("--store must be memory, sqlite:PATH or postgres:CONNINFO") != std::string::npos);
  CHECK(run_server_to_exit({"--port", "0", "--store", "memory", "--api-key", "k=t",
                            "--network-latency-ms", "9-2", "--wait-budget-ms", "5"},
                           out) == 2);
  CHECK(out.find("--network-latency-ms") != std::string::npos);
  CHECK(run_server_to_exit({"--port", "0", "--store", "memory", "--api-key", "k=t",
                            "--network-latency-ms", "1-2", "--wait-budget-ms", "5",
                            "--store-threads", "0"},
                           out) == 2);
  CHECK(out.find("--store-threads") != std::string::npos);
  CHECK(run_server_to_exit({"--help"}, out) == 0);
  CHECK(out.find("usage: http_server") != std::string::npos);
}
