// http_server — a request's failure as Stripe shapes it.
//
// Every error the server answers, whether it found it itself (a malformed
// form, an unknown API key) or the library reported it (an errc), becomes one
// api_error, rendered as Stripe's error JSON:
//   {"error":{"type":"invalid_request_error","code":"...","message":"...","param":"..."}}
// Messages name fields, never echo their values, so a card number pasted into
// a field never comes back in a response or a log; error_json withholds any
// message or param that still holds one (payintent::contains_card_number).
#pragma once

#include <payintent/error.hpp>

#include <boost/json/object.hpp>

#include <string>

namespace payintent::http {

struct api_error {
  int status = 400;  // the HTTP status
  std::string type;  // Stripe's: invalid_request_error, idempotency_error, card_error, api_error
  std::string code;  // machine-readable; payintent's errc name or Stripe's equivalent
  std::string message;
  std::string param;      // the offending form field, when there is one
  bool replayed = false;  // a stored result answered again for a retry
  // Whether the client may retry the same request later (409 in use, 503s):
  // the response then carries Retry-After.
  bool retry_later = false;
};

// A 400 the server found in the request before the library saw it.
api_error invalid_request(std::string message, std::string param = {},
                          std::string code = "parameter_invalid");

// The library's error as the client sees it: the status from
// payintent::http_status, the text from the diagnostics (or the code's own
// message when it has none). `diag` may be null.
api_error from_library(const error_code& ec, const diagnostics* diag);

// {"error":{...}} for `e`, its message and param withheld when they hold a
// card number; `extra` members (Stripe adds "payment_intent" to a
// card_error) are merged into the inner object.
boost::json::object error_json(const api_error& e, boost::json::object extra = {});

}  // namespace payintent::http
