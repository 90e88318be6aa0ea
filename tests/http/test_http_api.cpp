// The Stripe-compatible subset over real HTTP: shapes, statuses, auth, tenants.
#include "http/server_process.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

using namespace payintent::test;

TEST_CASE("create answers a Stripe-shaped payment_intent") {
  server_process server;
  http_client client(server.port());
  auto r = client.post("/v1/payment_intents",
                       "amount=1999&currency=EUR&description=Room+12&metadata%5Border%5D=42",
                       acme_key, "create-1");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("idempotent-replayed").empty());
  const auto o = r.json().as_object();
  CHECK(std::string(o.at("id").as_string()).starts_with("pi_"));
  CHECK(o.at("object") == "payment_intent");
  CHECK(o.at("amount") == 1999);
  CHECK(o.at("currency") == "eur");
  CHECK(o.at("status") == "requires_payment_method");  // created, no payment method yet
  CHECK(o.at("payintent_status") == "created");
  CHECK(o.at("description") == "Room 12");
  CHECK(o.at("metadata").at("order") == "42");
  CHECK(o.at("last_payment_error").is_null());
  CHECK(o.at("next_action").is_null());
  CHECK(o.at("payment_method").is_null());
  // created is in seconds (Stripe), not milliseconds: within a day of now.
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  CHECK(std::abs(o.at("created").as_int64() - now_s) < 86400);
}

TEST_CASE("create, confirm, retrieve, cancel on one keep-alive connection") {
  server_process server;
  http_client client(server.port());
  auto created =
      client.post("/v1/payment_intents", "amount=500&currency=jpy&payment_method=pm_card_visa",
                  acme_key, "c-1");
  REQUIRE(created.status == 200);
  CHECK(created.text("status") == "requires_confirmation");
  const std::string id = created.text("id");

  auto confirmed = client.post("/v1/payment_intents/" + id + "/confirm", "", acme_key, "c-2");
  REQUIRE(confirmed.status == 200);
  CHECK(confirmed.text("status") == "succeeded");
  CHECK(confirmed.json().at("amount_received") == 500);

  auto fetched = client.get("/v1/payment_intents/" + id, acme_key);
  REQUIRE(fetched.status == 200);
  CHECK(fetched.text("id") == id);
  CHECK(fetched.text("status") == "succeeded");

  // A succeeded intent cannot be canceled: 409, invalid state.
  auto cancel = client.post("/v1/payment_intents/" + id + "/cancel", "", acme_key, "c-3");
  CHECK(cancel.status == 409);
  CHECK(cancel.error_field("code") == "payment_intent_unexpected_state");
  CHECK(cancel.header("idempotent-replayed").empty());
  // A definitive rejection is stored with its key: the retry replays it.
  auto cancel_again = client.post("/v1/payment_intents/" + id + "/cancel", "", acme_key, "c-3");
  CHECK(cancel_again.status == 409);
  CHECK(cancel_again.header("idempotent-replayed") == "true");

  auto other = client.post("/v1/payment_intents", "amount=700&currency=usd", acme_key, "c-4");
  auto canceled = client.post("/v1/payment_intents/" + other.text("id") + "/cancel",
                              "cancellation_reason=requested_by_customer", acme_key, "c-5");
  REQUIRE(canceled.status == 200);
  CHECK(canceled.text("status") == "canceled");
}

TEST_CASE("manual capture, partial capture and refunds in Stripe's shapes") {
  server_process server;
  http_client client(server.port());
  auto held = client.post(
      "/v1/payment_intents",
      "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true&capture_method=manual",
      acme_key, "m-1");
  REQUIRE(held.status == 200);
  CHECK(held.text("status") == "requires_capture");
  CHECK(held.text("capture_method") == "manual");
  CHECK(held.json().at("amount_capturable") == 1000);
  CHECK(held.json().at("amount_received") == 0);
  const std::string id = held.text("id");

  auto too_much = client.post("/v1/payment_intents/" + id + "/capture", "amount_to_capture=1001",
                              acme_key, "m-2");
  CHECK(too_much.status == 400);
  auto captured = client.post("/v1/payment_intents/" + id + "/capture", "amount_to_capture=600",
                              acme_key, "m-3");
  REQUIRE(captured.status == 200);
  CHECK(captured.text("status") == "succeeded");
  CHECK(captured.json().at("amount_received") == 600);
  auto again = client.post("/v1/payment_intents/" + id + "/capture", "amount_to_capture=600",
                           acme_key, "m-3");
  CHECK(again.status == 200);
  CHECK(again.header("idempotent-replayed") == "true");

  auto refund = client.post("/v1/refunds", "payment_intent=" + id + "&amount=250&reason=duplicate",
                            acme_key, "m-4");
  REQUIRE(refund.status == 200);
  CHECK(refund.text("object") == "refund");
  CHECK(refund.text("status") == "succeeded");
  CHECK(refund.json().at("amount") == 250);
  CHECK(refund.text("payment_intent") == id);
  CHECK(refund.text("reason") == "duplicate");
  const std::string refund_id = refund.text("id");
  CHECK(refund_id.starts_with("re_"));
  auto fetched = client.get("/v1/refunds/" + refund_id, acme_key);
  REQUIRE(fetched.status == 200);
  CHECK(fetched.text("id") == refund_id);
  auto over = client.post("/v1/refunds", "payment_intent=" + id + "&amount=351", acme_key, "m-5");
  CHECK(over.status == 400);
  auto missing = client.post("/v1/refunds", "amount=1", acme_key, "m-6");
  CHECK(missing.status == 400);
  CHECK(client.get("/v1/refunds/" + refund_id, other_key).status == 404);
  CHECK(client.get("/v1/refunds", acme_key).status == 405);
}

TEST_CASE("a declined charge is a 402 card_error carrying the intent") {
  server_process server;
  http_client client(server.port());
  auto r =
      client.post("/v1/payment_intents",
                  "amount=1000&currency=usd&confirm=true&payment_method=pm_card_chargeDeclined",
                  acme_key, "decline-1");
  REQUIRE(r.status == 402);
  CHECK(r.error_field("type") == "card_error");
  CHECK(r.error_field("code") == "card_declined");
  CHECK(r.error_field("decline_code") == "generic_decline");
  const auto body = r.json();
  const auto& intent = body.at("error").at("payment_intent");
  CHECK(intent.at("status") == "requires_payment_method");
  CHECK(intent.at("payintent_status") == "failed");
  CHECK(intent.at("last_payment_error").at("code") == "card_declined");

  // The retry replays the same 402; a new confirm with a good card succeeds.
  auto again =
      client.post("/v1/payment_intents",
                  "amount=1000&currency=usd&confirm=true&payment_method=pm_card_chargeDeclined",
                  acme_key, "decline-1");
  CHECK(again.status == 402);
  CHECK(again.header("idempotent-replayed") == "true");
  const std::string id(intent.at("id").as_string());
  auto retry = client.post("/v1/payment_intents/" + id + "/confirm", "payment_method=pm_card_visa",
                           acme_key, "decline-2");
  CHECK(retry.status == 200);
  CHECK(retry.text("status") == "succeeded");
}

TEST_CASE("a 3-D Secure challenge answers requires_action with next_action") {
  server_process server;
  http_client client(server.port());
  auto r = client.post(
      "/v1/payment_intents",
      "amount=2500&currency=eur&confirm=true&payment_method=pm_card_threeDSecureRequired", acme_key,
      "3ds-1");
  REQUIRE(r.status == 200);
  CHECK(r.text("status") == "requires_action");
  const auto body = r.json();
  const auto& action = body.at("next_action");
  REQUIRE(action.is_object());
  CHECK(!std::string(action.at("type").as_string()).empty());
  CHECK(!std::string(action.at("three_d_secure_server_transaction_id").as_string()).empty());
}

TEST_CASE("API keys: Bearer and basic auth, unknown key 401, other tenant 404") {
  server_process server;
  http_client client(server.port());
  auto created = client.post("/v1/payment_intents", "amount=100&currency=eur", acme_key, "auth-1");
  REQUIRE(created.status == 200);
  const std::string path = "/v1/payment_intents/" + created.text("id");

  // curl -u sk_test_acme: sends "Basic base64(sk_test_acme:)".
  auto basic = client.request("GET", path, {}, {{"Authorization", "Basic c2tfdGVzdF9hY21lOg=="}});
  CHECK(basic.status == 200);

  auto unknown = client.get(path, "sk_test_nobody");
  CHECK(unknown.status == 401);
  CHECK(unknown.error_field("code") == "invalid_api_key");
  CHECK(unknown.body.find("sk_test_nobody") == std::string::npos);  // the key is not echoed
  CHECK(!unknown.header("www-authenticate").empty());

  auto missing = client.request("GET", path);
  CHECK(missing.status == 401);

  auto bad_basic = client.request("GET", path, {}, {{"Authorization", "Basic !!!"}});
  CHECK(bad_basic.status == 401);

  // Another tenant's intent is absent, for reading and for writing.
  auto foreign = client.get(path, other_key);
  CHECK(foreign.status == 404);
  CHECK(foreign.error_field("code") == "resource_missing");
  auto foreign_cancel = client.post(path + "/cancel", "", other_key, "auth-2");
  CHECK(foreign_cancel.status == 404);
  CHECK(client.get(path, acme_key).json().at("payintent_status") == "created");
}

TEST_CASE("unknown URLs are 404 and wrong methods 405") {
  server_process server;
  http_client client(server.port());
  CHECK(client.get("/v1/charges", acme_key).status == 404);
  CHECK(client.get("/v1/payment_intents/pi_nope/refund", acme_key).status == 404);
  CHECK(client.get("/v1/payment_intents", acme_key).status == 405);
  CHECK(client.get("/v1/payment_intents/pi_00000000000000000000000/confirm", acme_key).status ==
        405);
  CHECK(client.get("/v1/payment_intents/pi_000000000000000000000000", acme_key).status == 404);
}
