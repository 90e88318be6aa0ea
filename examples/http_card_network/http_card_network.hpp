// http_card_network — a card_network over HTTP to a payment gateway that
// keeps its own idempotency keys (gateway_api.hpp). The file to copy when you
// write yours: replace the paths and the answer mapping (gateway_answers.hpp)
// with your gateway's; keep the rules below.
//
// The rules card_network.hpp asks for, and how this class keeps them:
//  - Idempotency key: the attempt's `reference` ("pi_...-a1": intent id and
//    attempt number), the same however often the customer retries.
//    payintent itself sends a reference once (a retried charge replays from
//    the store), so the key is not what makes payintent exactly-once: it
//    makes this client's resend (below) safe, and names the authorization
//    for lookup and void.
//  - lookup and void use the same key: recovery asks "what happened to
//    pi_...-a1?", and voids exactly that authorization.
//  - not_sent only when no connection was made; unknown for everything
//    after (http_exchange.hpp). A 5xx or an answer it cannot read is
//    unknown too: the gateway may have charged.
//  - One resend: when the connection drops after sending and before a whole
//    answer, and at least half of authorize_timeout is left, the same
//    request goes once more under the same key. The gateway answers the
//    first request's result (or charges now, if the first never arrived);
//    never twice. If the resend gets no answer either, the outcome stays
//    unknown: the first may have arrived.
//  - Every call is bounded (the timeouts below), so payintent always hears
//    back, if only "unknown", while it still holds the attempt's lease.
//
// Threading: calls may come from any thread; each runs as a coroutine on
// this object's one I/O thread, and its handler is invoked there exactly
// once. Nothing blocks a caller. Destroy it after every payment_service
// using it (their shutdown waits for attempts in flight); the destructor
// waits for calls in flight, each bounded by its timeout.
#pragma once

#include <payintent/card_network.hpp>
#include <payintent/service_options.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace payintent::gateway {

struct http_network_options {
  // Where the gateway listens. Required. (Production: TLS and a host name,
  // resolved once and again on failure; this example speaks plain HTTP to
  // a loopback simulator.)
  boost::asio::ip::tcp::endpoint gateway;
  // Bounds one authorize: connect, send, the answer, and the one resend.
  // Must be at most half of service_options::attempt_lease: the lease also
  // covers the claim before the call and the outcome's commit after it (a
  // failing commit is retried for about 3 s, docs/recovery.md); an answer
  // after the lease is a late outcome, which recovery has to sort out.
  // Default: 20 s (a third of the default 60 s lease).
  std::chrono::milliseconds authorize_timeout = std::chrono::seconds(20);
  // Bounds one lookup or one void. Must be below
  // service_options::network_timeout: recovery stops waiting for a call then
  // and counts it failed, so an answer after it is wasted. Default: 10 s
  // (a third of the default 30 s).
  std::chrono::milliseconds lookup_timeout = std::chrono::seconds(10);
};

class http_card_network final : public card_network {
 public:
  // Starts the I/O thread. Connects to nothing until a call.
  explicit http_card_network(http_network_options options);
  ~http_card_network() override;

  // Why `network` and `service` do not fit together (the rules on the two
  // timeouts above), or nullopt when they do. Check at startup.
  static std::optional<std::string> check_timeouts(const http_network_options& network,
                                                   const service_options& service);

  // POST /authorizations. Requests carrying 3-D Secure authentication are
  // answered not_sent: this example's gateway has no 3-D Secure API. A
  // reference that is not a valid gateway key is not_sent too.
  void async_authorize(const authorization_request& request, authorize_handler handler) override;
  // GET /authorizations/<reference>.
  void async_lookup(const std::string& reference, lookup_handler handler) override;
  // POST /authorizations/<reference>/void.
  void async_void(const std::string& reference, void_handler handler) override;

 private:
  http_network_options options_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace payintent::gateway
