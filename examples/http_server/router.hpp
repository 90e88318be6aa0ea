// http_server — one HTTP request in, one response out.
//
//   POST /v1/payment_intents                 create (confirm=true: charge)
//   POST /v1/payment_intents/{id}/confirm
//   POST /v1/payment_intents/{id}/cancel
//   POST /v1/payment_intents/{id}/capture    (amount_to_capture)
//   POST /v1/refunds                         (payment_intent, amount, reason)
//   GET  /v1/refunds/{id}
//   GET  /v1/payment_intents/{id}
//   GET  /v1/events                          the tenant's events (events_route.hpp)
//   GET  /metrics                            Prometheus text, no auth
//   GET|POST /3ds/challenge/{id}/{token}     the simulated ACS (challenge_routes.hpp)
//
// Every /v1 request authenticates with an API key (auth.hpp); every POST
// carries an Idempotency-Key header. Statuses follow payintent's errc table
// (docs/design.md, "Errors", payintent::http_status); a confirm or charge whose
// attempt failed answers 402 with Stripe's card_error and the intent.
// Replays carry `Idempotent-Replayed: true`; retryable errors `Retry-After`.
//
// The route never reads or writes the connection: the server does. It never
// logs a request body.
#pragma once

#include "http_server/api_error.hpp"
#include "http_server/auth.hpp"
#include "http_server/challenge_routes.hpp"
#include "http_server/metrics.hpp"

#include <payintent/payment_service.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>

#include <chrono>

namespace payintent::http {

class event_feed;

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

// What a route needs; borrowed, outlives every request. Thread-safe parts only.
struct router_context {
  const api_keys& keys;
  // Called through its async_ forms only: a connection coroutine never
  // blocks on the store or the network.
  payment_service& service;
  metrics& stats;  // rendered by GET /metrics; the server records each response
  // Passed to confirm and charge: the longest a request waits for the card
  // network before answering the intent as it is (processing).
  std::chrono::milliseconds wait_budget;
  // The challenge pages a redirect next_action points at; null: none, and
  // next_action is the network's as it came.
  simulated_acs* acs = nullptr;
  // Answers GET /v1/events; null: that URL is unknown.
  event_feed* events = nullptr;
};

boost::asio::awaitable<response> route(const request& req, const router_context& ctx);

// A Stripe-shaped error response: status, JSON body, and the Retry-After,
// Idempotent-Replayed and WWW-Authenticate headers the error calls for.
// The caller sets keep-alive and prepares the payload.
response error_response(const api_error& e, boost::json::object extra = {});

}  // namespace payintent::http
