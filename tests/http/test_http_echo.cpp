// No part of a request that holds a card number comes back: not the method,
// the path (plain, percent-encoded, grouped), the query, a header value or a
// parameter, in no response and not in the server's output.
#include "http/server_process.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace payintent::test;

namespace {

constexpr const char* visa = "4242424242424242";
constexpr const char* issue_card = "4911972132650227";  // the one issue 18 saw echoed

struct echo_case {
  const char* what;
  std::string request;  // the request line and headers, up to the blank line
  std::string body;
  // The bytes as the request carried them: must not come back either.
  std::string sent;
};

std::string with_body(const std::string& head, const std::string& body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("a card number anywhere in a request is never echoed") {
  server_process server;
  const std::string close = "Host: x\r\nConnection: close\r\n";
  const std::string auth = "Authorization: Bearer sk_test_acme\r\n";
  const std::string post = "POST /v1/payment_intents HTTP/1.1\r\n" + close + auth +
                           "Idempotency-Key: echo-1\r\n" +
                           "Content-Type: application/x-www-form-urlencoded\r\n";
  const std::string encoded = "%34%32%34%32%34%32%34%32%34%32%34%32%34%32%34%32";
  const echo_case cases[] = {
      {"the method, unknown URL", std::string(issue_card) + " /v1/nothing HTTP/1.1\r\n" + close, "",
       issue_card},
      {"the method, known URL",
       std::string(issue_card) + " /v1/payment_intents HTTP/1.1\r\n" + close + auth, "",
       issue_card},
      {"the path", "GET /v1/4242424242424242 HTTP/1.1\r\n" + close, "", visa},
      {"the path, percent-encoded", "GET /v1/" + encoded + " HTTP/1.1\r\n" + close, "", encoded},
      {"the path, %20-grouped", "GET /v1/4242%204242%204242%204242 HTTP/1.1\r\n" + close, "",
       "4242%204242%204242%204242"},
      {"the path, dash-grouped", "GET /v1/4242-4242-4242-4242 HTTP/1.1\r\n" + close, "",
       "4242-4242-4242-4242"},
      {"the path, an action", "POST /v1/payment_intents/pi_1/4242424242424242 HTTP/1.1\r\n" + close,
       "", visa},
      {"an intent id",
       "GET /v1/payment_intents/pi_4242424242424242abcdefgh HTTP/1.1\r\n" + close + auth, "", visa},
      {"the query", "GET /v1/nothing?card=4242424242424242 HTTP/1.1\r\n" + close, "", visa},
      {"the query, %20-grouped",
       "GET /v1/nothing?card=4242%204242%204242%204242 HTTP/1.1\r\n" + close, "",
       "4242%204242%204242%204242"},
      {"the query, percent-encoded", "GET /v1/nothing?card=" + encoded + " HTTP/1.1\r\n" + close,
       "", encoded},
      {"the Authorization header",
       "GET /v1/payment_intents/pi_1 HTTP/1.1\r\n" + close + "Authorization: Bearer " + visa +
           "\r\n",
       "", visa},
      {"the Authorization scheme",
       "GET /v1/payment_intents/pi_1 HTTP/1.1\r\n" + close + "Authorization: " + visa + " x\r\n",
       "", visa},
      {"the Idempotency-Key header",
       "POST /v1/payment_intents HTTP/1.1\r\n" + close + auth + "Idempotency-Key: " + visa + "\r\n",
       "amount=100&currency=eur", visa},
      {"the Idempotency-Key header, grouped",
       "POST /v1/payment_intents HTTP/1.1\r\n" + close + auth +
           "Idempotency-Key: order 4242 4242 4242 4242\r\n",
       "amount=100&currency=eur", "4242 4242 4242 4242"},
      {"the Content-Type header",
       "POST /v1/payment_intents HTTP/1.1\r\n" + close + auth + "Idempotency-Key: echo-2\r\n" +
           "Content-Type: " + visa + "\r\n",
       "amount=100&currency=eur", visa},
      {"another header", "GET /v1/nothing HTTP/1.1\r\n" + close + "X-Card: " + visa + "\r\n", "",
       visa},
      {"an unknown parameter's name", post, std::string("amount=100&currency=eur&") + visa + "=1",
       visa},
      {"an unknown parameter's name, encoded", post, "amount=100&currency=eur&x" + encoded + "=1",
       encoded},
      {"an unknown parameter's name, grouped", post,
       "amount=100&currency=eur&card+4242+4242+4242+4242=1", "4242+4242+4242+4242"},
      {"an unknown parameter's value", post,
       std::string("amount=100&currency=eur&customer=") + visa, visa},
      {"an unknown parameter's value, grouped", post,
       "amount=100&currency=eur&customer=4242%204242%204242%204242", "4242%204242%204242%204242"},
      {"a parameter given twice", post,
       std::string("amount=100&currency=eur&description=") + visa + "&description=" + visa, visa},
      {"a bad percent-escape after it", post,
       std::string("amount=100&currency=eur&description=") + visa + "%G1", visa},
  };
  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    http_client client(server.port());
    client.send_raw(with_body(c.request, c.body));
    const std::string received = client.read_until_closed(std::chrono::seconds(5));
    const auto replies = parse_replies(received);
    CHECK(replies.size() == 1);
    if (replies.empty()) continue;
    CHECK(replies[0].status >= 400);
    CHECK(received.find(c.sent) == std::string::npos);
    CHECK(received.find(visa) == std::string::npos);
    CHECK(received.find(issue_card) == std::string::npos);
    CHECK(received.find("4242 4242") == std::string::npos);
  }
  const std::string output = server.output();
  CHECK(output.find(visa) == std::string::npos);
  CHECK(output.find(issue_card) == std::string::npos);
  CHECK(output.find(encoded) == std::string::npos);
  CHECK(output.find("4242%20") == std::string::npos);
}
