// A small blocking HTTP/1.1 client for tests, on Boost.Beast.
//
// One client is one keep-alive connection to 127.0.0.1:port; requests on it
// go one after another. Not thread-safe: give each thread its own client.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace payintent::test {

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;

  // The header's value, or "" when absent.
  std::string header(const std::string& lower_case_name) const;
  // The body parsed as JSON; throws on anything else.
  boost::json::value json() const;
  // A top-level string member of the JSON body ("id", "status"), or "" when
  // absent or not a string.
  std::string text(std::string_view member) const;
  // For a Stripe error body: error.<field> as a string, or "" when absent.
  std::string error_field(std::string_view field) const;
};

class http_client {
 public:
  // Connects; throws boost::system::system_error when it cannot.
  explicit http_client(std::uint16_t port);

  // Sends `method target` with `body` and `headers` (name -> value), reads
  // the reply. Throws when the connection fails.
  http_reply request(std::string_view method, std::string_view target, std::string body = {},
                     const std::map<std::string, std::string>& headers = {});

  // POST of a form body with an API key (as Bearer) and an optional
  // idempotency key ("" sends none).
  http_reply post(std::string_view target, std::string form, std::string_view api_key,
                  std::string_view idempotency_key);
  http_reply get(std::string_view target, std::string_view api_key);

  // Writes raw bytes (to play a slow or malformed client).
  void send_raw(std::string_view bytes);
  // Waits up to `limit` for the server to close the connection; returns true
  // when it did (EOF or reset), false when still open at the limit.
  bool wait_closed(std::chrono::milliseconds limit);
  // Reads whatever arrives until the server closes or `limit` passes.
  std::string read_until_closed(std::chrono::milliseconds limit);
  // Whether the last read_until_closed or wait_closed saw the server close.
  bool closed() const { return closed_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  bool closed_ = false;  // read_until_closed saw EOF or a reset
};

// Every complete response in `bytes` (as read_until_closed returns them), in
// order; an incomplete or malformed tail is left out.
std::vector<http_reply> parse_replies(std::string_view bytes);

// "Bearer <key>".
std::string bearer(std::string_view api_key);

}  // namespace payintent::test
