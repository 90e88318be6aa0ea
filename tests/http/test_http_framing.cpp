// Request framing and header ambiguity (RFC 9110, RFC 9112 section 6), as raw
// bytes over a socket: a request that two readers could frame or
// authenticate differently is refused before anything runs, and the
// connection closes so no byte of it is read as the next request.
#include "http/metrics_text.hpp"
#include "http/server_process.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

using namespace payintent::test;

namespace {

// Every request below charges if it runs: the table ends by counting them.
const std::string form = "amount=100&currency=eur&confirm=true&payment_method=pm_card_visa";
constexpr const char* auth = "Authorization: Bearer sk_test_acme\r\n";
constexpr const char* form_type = "Content-Type: application/x-www-form-urlencoded\r\n";

std::string length_of(const std::string& body) {
  return fmt::format("Content-Length: {}\r\n", body.size());
}

std::string chunked(const std::string& body) {
  return fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", body.size(), body);
}

// A whole charge of its own, hidden in the body of a request whose framing
// leaves no body: a server that reads it as the next request runs it.
std::string smuggled() {
  return "POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\n" + std::string(auth) + form_type +
         "Idempotency-Key: smuggled\r\n" + length_of(form) + "\r\n" + form;
}

std::string key(int n) {
  return fmt::format("Idempotency-Key: framing-{}\r\n", n);
}

struct framing_case {
  const char* what;
  // The headers after the request line, Host and the key (each row's own),
  // without the blank line, and the bytes after it.
  std::string headers;
  std::string body;
  int status;
  const char* code;
  // Refused before the body is read: the server must close on its own (the
  // row sends no Connection: close).
  bool closes;
  const char* start = "POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\n";
};

// The row as request `n` on a fresh connection: every reply the server sent
// until it closed (or 5 s passed), and whether it closed.
std::vector<http_reply> exchange(std::uint16_t port, const framing_case& c, int n, bool& closed) {
  http_client client(port);
  client.send_raw(c.start + key(n) + c.headers + (c.closes ? "" : "Connection: close\r\n") +
                  "\r\n" + c.body);
  auto replies = parse_replies(client.read_until_closed(std::chrono::seconds(5)));
  closed = client.closed();
  return replies;
}

// The form, authenticated, as `content_type`.
std::string typed(const std::string& content_type) {
  return auth + ("Content-Type: " + content_type + "\r\n") + length_of(form);
}

}  // namespace

TEST_CASE("ambiguous framing and headers are refused, nothing runs, and the connection closes") {
  server_process server;
  const std::string basic_with_password = "Authorization: Basic c2tfdGVzdF9hY21lOnNlY3JldA==\r\n";
  const std::string basic_without_colon = "Authorization: Basic c2tfdGVzdF9hY21l\r\n";
  const std::string plain = auth + std::string(form_type);
  const framing_case refused[] = {
      // RFC 9112 section 6.3: chunked must be the final coding of a request.
      {"Transfer-Encoding: identity", plain + "Transfer-Encoding: identity\r\n", smuggled(), 400,
       "malformed_request", true},
      {"Transfer-Encoding: gzip", plain + "Transfer-Encoding: gzip\r\n", smuggled(), 400,
       "malformed_request", true},
      {"Transfer-Encoding: chunked, identity", plain + "Transfer-Encoding: chunked, identity\r\n",
       smuggled(), 400, "malformed_request", true},
      {"Transfer-Encoding: xchunked", plain + "Transfer-Encoding: xchunked\r\n", smuggled(), 400,
       "malformed_request", true},
      {"Transfer-Encoding: identity, chunked (a coding we do not implement)",
       plain + "Transfer-Encoding: identity, chunked\r\n", chunked(form), 400, "malformed_request",
       true},
      {"Transfer-Encoding: identity then chunked on two lines",
       plain + "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n", chunked(form), 400,
       "malformed_request", true},
      {"Transfer-Encoding: identity with Content-Length",
       plain + "Transfer-Encoding: identity\r\n" + length_of(form), form, 400, "malformed_request",
       true},
      {"Transfer-Encoding: chunked with Content-Length",
       plain + "Transfer-Encoding: chunked\r\n" + length_of(chunked(form)), chunked(form), 400,
       "malformed_request", true},
      {"Content-Length with Transfer-Encoding: chunked",
       plain + length_of(chunked(form)) + "Transfer-Encoding: chunked\r\n", chunked(form), 400,
       "malformed_request", true},
      {"Transfer-Encoding in HTTP/1.0", plain + "Transfer-Encoding: chunked\r\n", chunked(form),
       400, "malformed_request", true, "POST /v1/payment_intents HTTP/1.0\r\nHost: x\r\n"},
      // Field syntax a lenient reader might take differently (RFC 9112
      // sections 2.2 and 5.1-5.2).
      {"whitespace before the colon", plain + "Transfer-Encoding : chunked\r\n" + length_of(form),
       form, 400, "malformed_request", true},
      {"a folded Transfer-Encoding", plain + "Transfer-Encoding: identity,\r\n chunked\r\n",
       chunked(form), 400, "malformed_request", true},
      // RFC 9110 section 8.6: one length, or the body's end is a guess.
      {"a signed Content-Length", plain + fmt::format("Content-Length: +{}\r\n", form.size()), form,
       400, "malformed_request", true},
      {"two different Content-Lengths", plain + length_of(form) + "Content-Length: 3\r\n", form,
       400, "malformed_request", true},
      {"the same Content-Length twice", plain + length_of(form) + length_of(form), form, 400,
       "malformed_request", true},
      {"a Content-Length list", plain + fmt::format("Content-Length: {0}, {0}\r\n", form.size()),
       form, 400, "malformed_request", true},
      // Headers whose one value decides what runs, given twice.
      {"two Authorization headers, the same key", plain + auth + length_of(form), form, 400,
       "malformed_request", true},
      {"two Authorization headers, two tenants",
       plain + "Authorization: Bearer sk_test_other\r\n" + length_of(form), form, 400,
       "malformed_request", true},
      {"two Idempotency-Key headers",
       plain + "Idempotency-Key: framing-other\r\n" + length_of(form), form, 400,
       "malformed_request", true},
      {"two Content-Type headers", plain + "Content-Type: text/plain\r\n" + length_of(form), form,
       400, "malformed_request", true},
      {"two Host headers", plain + "Host: y\r\n" + length_of(form), form, 400, "malformed_request",
       true},
      {"no Host (HTTP/1.1)", plain + length_of(form), form, 400, "malformed_request", true,
       "POST /v1/payment_intents HTTP/1.1\r\n"},
      // Media types match whole (RFC 9110 section 8.3.1).
      {"a longer media type", typed("application/x-www-form-urlencodedxyz"), form, 400,
       "unsupported_content_type", false},
      {"a media type with a suffix", typed("application/x-www-form-urlencoded-v2; charset=utf-8"),
       form, 400, "unsupported_content_type", false},
      // Basic auth carries the key as the user name and nothing else.
      {"basic auth with a password", basic_with_password + form_type + length_of(form), form, 401,
       "invalid_api_key", false},
      {"basic auth without a colon", basic_without_colon + form_type + length_of(form), form, 401,
       "invalid_api_key", false},
  };
  const framing_case accepted[] = {
      {"Content-Length", plain + length_of(form), form, 200, "", false},
      {"Transfer-Encoding: chunked", plain + "Transfer-Encoding: chunked\r\n", chunked(form), 200,
       "", false},
      {"Transfer-Encoding: Chunked", plain + "Transfer-Encoding: Chunked\r\n", chunked(form), 200,
       "", false},
      {"an upper-case media type", typed("APPLICATION/X-WWW-FORM-URLENCODED"), form, 200, "",
       false},
      {"a media type with a charset", typed("application/x-www-form-urlencoded; charset=utf-8"),
       form, 200, "", false},
      {"a media type with a charset, no space",
       typed("Application/X-Www-Form-Urlencoded;charset=UTF-8"), form, 200, "", false},
      {"basic auth with an empty password",
       "Authorization: Basic c2tfdGVzdF9hY21lOg==\r\n" + std::string(form_type) + length_of(form),
       form, 200, "", false},
  };
  int n = 0;
  auto check_row = [&server, &n](const framing_case& c, bool refusing) {
    const std::string what = c.what;
    CAPTURE(what);
    bool closed = false;
    const auto replies = exchange(server.port(), c, ++n, closed);
    CHECK(replies.size() == 1);  // a smuggled request got no answer of its own
    if (replies.empty()) return;
    CHECK(replies[0].status == c.status);
    if (refusing) CHECK(replies[0].error_field("code") == c.code);
    if (!refusing) CHECK(replies[0].text("status") == "succeeded");
    if (c.closes) CHECK(closed);
  };
  for (const framing_case& c : refused) check_row(c, true);
  for (const framing_case& c : accepted) check_row(c, false);
  // One authorization per accepted request; a refused one, or a request
  // smuggled inside it, charged nothing.
  http_client client(server.port());
  CHECK(scrape(client).value("payintent_authorizations_total") == std::size(accepted));
}
