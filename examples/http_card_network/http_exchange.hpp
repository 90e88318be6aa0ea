// http_card_network — one HTTP/1.1 request and its response under one
// deadline, reporting how far it got.
//
// How far it got is what card_network's contract turns on: a request whose
// connection was never made provably never left (not_sent); one whose
// connection was made may have reached the gateway, whatever happened next
// (a write that failed halfway, a reset, the deadline), so its outcome is
// unknown unless an answer was read whole.
//
// One connection per exchange ("Connection: close"): a failure touches one
// request only, and "never connected" stays a clean proof of not sent. A
// client that pools keep-alive connections must treat a request that failed
// on a reused connection as possibly sent, even before any byte was written.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <string>

namespace payintent::gateway {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

enum class exchange_stage {
  never_connected,  // nothing left this process
  no_answer,        // connected: the request may have arrived; no whole answer
  answered,         // `answer` holds the gateway's response
};

struct exchange_result {
  exchange_stage stage = exchange_stage::never_connected;
  http_response answer;  // when answered
  std::string failure;   // when not: what went wrong, for people
};

// Connects to `to`, sends `req`, reads the response; the connection, the
// write and the read together end by `deadline`. Never throws for network
// errors; runs on the calling coroutine's executor.
boost::asio::awaitable<exchange_result> exchange(boost::asio::ip::tcp::endpoint to,
                                                 http_request req,
                                                 std::chrono::steady_clock::time_point deadline);

}  // namespace payintent::gateway
