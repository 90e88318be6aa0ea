// The simulated ACS (examples/http_server/challenge_*): the challenge page a
// redirect next_action points at, its one-time tokens, escaping, expiry,
// double answers and return_url. tests/browser drives the same pages in
// headless Chromium.
#include "http/metrics_text.hpp"
#include "http/server_process.hpp"
#include "http_server/challenge_page.hpp"
#include "http_server/challenge_tokens.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <string>
#include <thread>

using namespace payintent::test;

namespace {

constexpr const char* acs_form_type = "application/x-www-form-urlencoded";

struct acs_page {
  std::string intent;
  std::string page;  // the path of next_action.redirect_to_url.url
};

// A charge that the fake network challenges; `extra` more form fields.
acs_page acs_charge(http_client& client, const char* api_key, const std::string& key,
                    const std::string& extra = "") {
  auto r = client.post("/v1/payment_intents",
                       "amount=12900&currency=eur&confirm=true&payment_method="
                       "pm_card_threeDSecureRequired" +
                           extra,
                       api_key, key);
  REQUIRE(r.status == 200);
  REQUIRE(r.text("status") == "requires_action");
  const auto url =
      std::string(r.json().at("next_action").at("redirect_to_url").at("url").as_string());
  const std::string origin = "http://127.0.0.1:";
  REQUIRE(url.starts_with(origin));
  return {r.text("id"), url.substr(url.find('/', origin.size()))};
}

http_reply acs_answer(http_client& client, const std::string& page, const std::string& choice) {
  return client.request("POST", page, "choice=" + choice, {{"Content-Type", acs_form_type}});
}

// The challenge page, which must be there.
http_reply acs_show(http_client& client, const acs_page& c) {
  auto page = client.request("GET", c.page);
  REQUIRE(page.status == 200);
  return page;
}

double acs_authorizations(http_client& client) {
  return scrape(client).value("payintent_authorizations_total");
}

}  // namespace

TEST_CASE("html_escape and format_amount") {
  using payintent::http::format_amount;
  using payintent::http::html_escape;
  CHECK(html_escape("<a href=\"x\">'&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(format_amount(12900, "EUR", 2) == "129.00 EUR");
  CHECK(format_amount(5, "EUR", 2) == "0.05 EUR");
  CHECK(format_amount(500, "JPY", 0) == "500 JPY");
  CHECK(format_amount(1234, "BHD", 3) == "1.234 BHD");
}

TEST_CASE("challenge_tokens: one token per challenge, bound to its intent, answer fixed once") {
  payintent::http::challenge_tokens tokens(std::chrono::minutes(1));
  const auto a = tokens.issue("acme", "pi_1", "3ds_1", "");
  CHECK(a.size() == 64);
  CHECK(tokens.issue("acme", "pi_1", "3ds_1", "https://shop.example/done") == a);
  CHECK(tokens.find(a, "pi_1")->return_url == "https://shop.example/done");
  const auto b = tokens.issue("other", "pi_2", "3ds_2", "");
  CHECK(b != a);
  CHECK_FALSE(tokens.find(a, "pi_2"));  // another intent's (and tenant's) token
  CHECK_FALSE(tokens.find(b, "pi_1"));
  CHECK_FALSE(tokens.find("00", "pi_1"));
  int minted = 0;
  auto mint = [&] {
    ++minted;
    payintent::authenticate_params p;
    p.trans_status = minted == 1 ? "Y" : "N";
    return p;
  };
  CHECK(tokens.answer(a, mint)->trans_status == "Y");
  CHECK(tokens.answer(a, mint)->trans_status == "Y");
  CHECK(minted == 1);
  CHECK_FALSE(tokens.answer("unknown", mint));
  CHECK(payintent::http::authenticate_key(a) == payintent::http::authenticate_key(a));
  CHECK(payintent::http::authenticate_key(a).find(a) == std::string::npos);

  payintent::http::challenge_tokens short_lived(std::chrono::milliseconds(1));
  const auto c = short_lived.issue("acme", "pi_3", "3ds_3", "");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  short_lived.issue("acme", "pi_4", "3ds_4", "");  // prunes
  CHECK_FALSE(short_lived.find(c, "pi_3"));
  CHECK(short_lived.size() == 1);
}

TEST_CASE("challenge page: escaped, Complete twice authenticates once, then return_url") {
  server_process server;
  http_client client(server.port());
  const auto c = acs_charge(client, acme_key, "3ds-page-1",
                            "&return_url=https%3A%2F%2Fshop.example%2Fdone%3Forder%3D7"
                            "&description=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E%26%27");
  const auto page = acs_show(client, c);
  // Everything shown is escaped: the description comes from an API client.
  CHECK(page.body.find("<script>") == std::string::npos);
  CHECK(page.body.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;") !=
        std::string::npos);
  CHECK(page.header("content-type") == "text/html; charset=utf-8");
  CHECK(page.header("cache-control") == "no-store");
  CHECK(page.header("content-security-policy").starts_with("default-src 'none'"));
  CHECK(page.header("referrer-policy") == "no-referrer");
  CHECK(page.body.find("129.00 EUR") != std::string::npos);
  CHECK(page.body.find("acme") != std::string::npos);
  CHECK(page.body.find("value=\"complete\"") != std::string::npos);
  CHECK(page.body.find("value=\"fail\"") != std::string::npos);
  CHECK(page.body.find("http-equiv=\"refresh\"") != std::string::npos);
  CHECK(page.body.find("src=") == std::string::npos);  // nothing external
  const double before = acs_authorizations(client);

  const std::string expected =
      "https://shop.example/done?order=7&payment_intent=" + c.intent + "&redirect_status=succeeded";
  auto first = acs_answer(client, c.page, "complete");
  CHECK(first.status == 303);
  CHECK(first.header("location") == expected);
  // A double click (or the back button): the other button too replays the first answer.
  auto second = acs_answer(client, c.page, "fail");
  CHECK(second.status == 303);
  CHECK(second.header("location") == expected);
  CHECK(acs_authorizations(client) == before + 1);
  auto intent = client.get("/v1/payment_intents/" + c.intent, acme_key);
  CHECK(intent.text("status") == "succeeded");
  // The page again (back button): answered, with the way back to the shop.
  auto again = client.request("GET", c.page);
  CHECK(again.status == 200);
  CHECK(again.body.find("already answered") != std::string::npos);
}

TEST_CASE("challenge page: two concurrent answers authorize once") {
  server_process server;
  http_client client(server.port());
  const auto c = acs_charge(client, acme_key, "3ds-race");
  const double before = acs_authorizations(client);
  std::vector<std::thread> clicks;
  std::vector<int> statuses(4);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    clicks.emplace_back([&, i] {
      http_client own(server.port());
      statuses[i] = acs_answer(own, c.page, "complete").status;
    });
  }
  for (auto& t : clicks) t.join();
  for (int s : statuses) CHECK(s == 200);  // no return_url: the finished page
  CHECK(acs_authorizations(client) == before + 1);
  CHECK(client.get("/v1/payment_intents/" + c.intent, acme_key).text("status") == "succeeded");
}

TEST_CASE("challenge page: Fail fails the intent with the 3-D Secure decline") {
  server_process server;
  http_client client(server.port());
  const auto c =
      acs_charge(client, acme_key, "3ds-fail", "&return_url=http%3A%2F%2Fshop.example%2Fr");
  const double before = acs_authorizations(client);
  auto r = acs_answer(client, c.page, "fail");
  CHECK(r.status == 303);
  CHECK(r.header("location") ==
        "http://shop.example/r?payment_intent=" + c.intent + "&redirect_status=failed");
  auto intent = client.get("/v1/payment_intents/" + c.intent, acme_key);
  CHECK(intent.text("status") == "requires_payment_method");
  CHECK(intent.json().at("last_payment_error").at("code") == "authentication_failed");
  CHECK(acs_authorizations(client) == before);
  CHECK(acs_answer(client, c.page, "bogus").status == 400);
}

TEST_CASE("challenge page: a token of another intent or tenant, or none, is a 404") {
  server_process server;
  http_client client(server.port());
  const auto mine = acs_charge(client, acme_key, "3ds-t-1");
  const auto theirs = acs_charge(client, other_key, "3ds-t-2");
  const auto token = [](const acs_page& c) { return c.page.substr(c.page.rfind('/') + 1); };
  const std::string crossed[] = {
      "/3ds/challenge/" + theirs.intent + "/" + token(mine),
      "/3ds/challenge/" + mine.intent + "/" + token(theirs),
      "/3ds/challenge/" + mine.intent + "/" + std::string(64, 'a'),
      "/3ds/challenge/" + mine.intent,
      "/3ds/challenge/",
  };
  for (const auto& page : crossed) {
    CAPTURE(page);
    CHECK(client.request("GET", page).status == 404);
    auto posted = acs_answer(client, page, "complete");
    CHECK(posted.status == 404);
    CHECK(posted.body.find(mine.intent) == std::string::npos);
  }
  CHECK(client.get("/v1/payment_intents/" + mine.intent, acme_key).text("status") ==
        "requires_action");
  CHECK(client.get("/v1/payment_intents/" + theirs.intent, other_key).text("status") ==
        "requires_action");
}

TEST_CASE("challenge page: past challenge_expiry the page says so and the intent failed") {
  server_process server({.extra = {"--challenge-expiry-ms", "300"}});
  http_client client(server.port());
  const auto c =
      acs_charge(client, acme_key, "3ds-exp", "&return_url=https%3A%2F%2Fshop.example%2Fdone");
  CHECK(acs_show(client, c).body.find("value=\"complete\"") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  const double before = acs_authorizations(client);
  auto page = client.request("GET", c.page);
  CHECK(page.status == 200);
  CHECK(page.body.find("expired") != std::string::npos);
  auto late = acs_answer(client, c.page, "complete");
  CHECK(late.status == 200);
  CHECK(late.body.find("expired") != std::string::npos);
  auto intent = client.get("/v1/payment_intents/" + c.intent, acme_key);
  CHECK(intent.text("status") == "requires_payment_method");
  CHECK(intent.json().at("last_payment_error").at("code") == "challenge_expired");
  CHECK(acs_authorizations(client) == before);
}

TEST_CASE("return_url: on create and confirm, validated without echoing it") {
  server_process server;
  http_client client(server.port());
  const std::string bad[] = {"javascript%3Aalert(1)",
                             "ftp%3A%2F%2Fshop.example%2F",
                             "https%3A%2F%2F",
                             "https%3A%2F%2Fshop.example%2Fa%20b",
                             "https%3A%2F%2Fshop.example%2F" + std::string(2100, 'x'),
                             ""};
  int n = 0;
  for (const auto& url : bad) {
    CAPTURE(url);
    auto r = client.post("/v1/payment_intents",
                         "amount=100&currency=eur&confirm=true&payment_method=pm_card_visa"
                         "&return_url=" +
                             url,
                         acme_key, "ru-" + std::to_string(++n));
    CHECK(r.status == 400);
    CHECK(r.error_field("param") == "return_url");
    CHECK(r.body.find("javascript") == std::string::npos);
    CHECK(r.body.find("shop.example") == std::string::npos);
  }
  auto created = client.post("/v1/payment_intents",
                             "amount=100&currency=eur&payment_method=pm_card_threeDSecureRequired",
                             acme_key, "ru-create");
  const std::string id = created.text("id");
  auto refused = client.post("/v1/payment_intents/" + id + "/confirm", "return_url=mailto%3Ax",
                             acme_key, "ru-confirm");
  CHECK(refused.status == 400);
  auto confirmed =
      client.post("/v1/payment_intents/" + id + "/confirm",
                  "return_url=https%3A%2F%2Fshop.example%2Fback", acme_key, "ru-confirm");
  REQUIRE(confirmed.status == 200);
  const auto redirect = confirmed.json().at("next_action").at("redirect_to_url");
  CHECK(redirect.at("return_url") == "https://shop.example/back");
  // A retrieve shows the same page and return_url.
  auto fetched = client.get("/v1/payment_intents/" + id, acme_key);
  CHECK(fetched.json().at("next_action").at("redirect_to_url") == redirect);
}

TEST_CASE("3-D Secure frictionless over HTTP needs no page") {
  server_process server;
  http_client client(server.port());
  auto r = client.post("/v1/payment_intents",
                       "amount=100&currency=eur&confirm=true&payment_method="
                       "pm_card_threeDSecureFrictionless",
                       acme_key, "3ds-frictionless");
  CHECK(r.status == 200);
  CHECK(r.text("status") == "succeeded");
  CHECK(r.json().at("next_action").is_null());
}
