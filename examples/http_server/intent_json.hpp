// http_server — a payment intent as Stripe's API shows one.
//
//   {"id":"pi_...","object":"payment_intent","amount":1999,"currency":"eur",
//    "status":"succeeded","payintent_status":"succeeded","created":1764240000,
//    "last_payment_error":null,"next_action":null,"metadata":{}, ...}
//
// `status` speaks Stripe's vocabulary so Stripe clients understand it;
// `payintent_status` carries payintent's own status unchanged (docs/http_server.md
// has the table). Thread-safe, pure.
#pragma once

#include <payintent/records.hpp>
#include <payintent/refund.hpp>

#include <boost/json/object.hpp>

#include <string_view>

namespace payintent::http {

// created: requires_payment_method (no payment method yet) or
// requires_confirmation; failed: requires_payment_method (Stripe's "try another
// card"); requires_review: processing (the outcome is not known yet, and a
// person will settle it); the rest keep their names.
std::string_view stripe_status(const payment_intent& intent) noexcept;

boost::json::object intent_json(const payment_intent& intent);

// A refund as Stripe shows one: {"id":"re_...","object":"refund","amount":500,
// "currency":"eur","payment_intent":"pi_...","reason":null,"status":"succeeded",
// "payintent_status":"succeeded","failure_reason":null,"created":...}.
// requires_review shows as Stripe's pending (a person will settle it).
boost::json::object refund_json(const refund& r);

}  // namespace payintent::http
