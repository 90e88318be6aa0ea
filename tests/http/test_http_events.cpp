// GET /v1/events: the caller's tenant's events in Stripe's list shape,
// oldest first, paged with starting_after.
#include "http/server_process.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

using namespace payintent::test;

namespace {

std::vector<std::string> field_of(const boost::json::value& list, std::string_view field) {
  std::vector<std::string> out;
  for (const auto& e : list.at("data").as_array()) out.emplace_back(e.at(field).as_string());
  return out;
}

}  // namespace

TEST_CASE("GET /v1/events lists the tenant's events oldest first, in Stripe's list shape") {
  server_process server;
  http_client client(server.port());
  const std::string charge = "amount=700&currency=eur&payment_method=pm_card_visa&confirm=true";
  const auto first = client.post("/v1/payment_intents", charge, acme_key, "ev-1");
  REQUIRE(first.status == 200);
  REQUIRE(client.post("/v1/payment_intents", charge, other_key, "ev-other").status == 200);
  const auto declined =
      client.post("/v1/payment_intents",
                  "amount=700&currency=eur&payment_method=pm_card_chargeDeclined&confirm=true",
                  acme_key, "ev-2");
  REQUIRE(declined.status == 402);

  const auto all = client.get("/v1/events", acme_key);
  REQUIRE(all.status == 200);
  const auto list = all.json();
  CHECK(list.at("object") == "list");
  CHECK(list.at("url") == "/v1/events");
  CHECK(list.at("has_more") == false);
  CHECK(field_of(list, "type") ==
        std::vector<std::string>{"payment_intent.processing", "payment_intent.succeeded",
                                 "payment_intent.processing", "payment_intent.payment_failed"});
  const auto& succeeded = list.at("data").at(1);
  CHECK(succeeded.at("object") == "event");
  CHECK(std::string(succeeded.at("id").as_string()).starts_with("evt_"));
  CHECK(std::string(succeeded.at("data").at("object").at("id").as_string()) == first.text("id"));
  CHECK(succeeded.at("data").at("object").at("status") == "succeeded");
  CHECK(succeeded.at("data").at("object").at("amount") == 700);
  const auto ids = field_of(list, "id");

  const auto page = client.get("/v1/events?limit=1&starting_after=" + ids[0], acme_key);
  REQUIRE(page.status == 200);
  CHECK(page.json().at("has_more") == true);
  CHECK(field_of(page.json(), "id") == std::vector<std::string>{ids[1]});
  const auto failed = client.get("/v1/events?type=payment_intent.payment_failed", acme_key);
  REQUIRE(failed.status == 200);
  CHECK(field_of(failed.json(), "id") == std::vector<std::string>{ids[3]});
  CHECK(client.get("/v1/events?starting_after=" + ids[3], acme_key)
            .json()
            .at("data")
            .as_array()
            .empty());

  // Another tenant's events are not there, not even as a cursor.
  const auto other = client.get("/v1/events", other_key);
  REQUIRE(other.status == 200);
  const auto other_ids = field_of(other.json(), "id");
  CHECK(other_ids.size() == 2);
  const auto foreign = client.get("/v1/events?starting_after=" + other_ids[0], acme_key);
  CHECK(foreign.status == 404);
  CHECK(foreign.error_field("param") == "starting_after");
  CHECK(client.get("/v1/events?limit=0", acme_key).status == 400);
  CHECK(client.get("/v1/events?limit=101", acme_key).status == 400);
  CHECK(client.get("/v1/events?bogus=1", acme_key).status == 400);
  CHECK(client.get("/v1/events", "sk_test_nobody").status == 401);
  CHECK(client.post("/v1/events", "", acme_key, "ev-post").status == 405);
}
