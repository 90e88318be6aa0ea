// http_server — GET /v1/events: the caller's tenant's events, oldest first.
//
//   GET /v1/events?limit=10&starting_after=evt_...&type=payment_intent.succeeded
//   {"object":"list","url":"/v1/events","has_more":true,"data":[{event_json}...]}
//
// Stripe's list shape and parameters, with one difference a consumer relies
// on: the list runs oldest first (by the store's sequence, commit order),
// so a client polls forward with starting_after = the last id it handled.
// limit is 1..100 (default 10); an unknown starting_after (another tenant's,
// or purged) is a 404 resource_missing.
#pragma once

#include "http_server/router.hpp"

#include <payintent/idempotency_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <string>

namespace payintent::http {

// The store's event reads, run on a thread of their own: store calls
// block, and a connection coroutine must not. Thread-safe.
class event_feed {
 public:
  explicit event_feed(idempotency_store& store) : store_(store) {}
  ~event_feed() { pool_.join(); }
  event_feed(const event_feed&) = delete;
  event_feed& operator=(const event_feed&) = delete;

  boost::asio::awaitable<result<std::vector<event_record>>> read(event_query q);

 private:
  idempotency_store& store_;
  boost::asio::thread_pool pool_{1};
};

boost::asio::awaitable<response> list_events(const request& req, event_feed& feed,
                                             const std::string& tenant);

}  // namespace payintent::http
