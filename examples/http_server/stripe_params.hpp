// http_server — Stripe's form parameters, turned into payintent's call parameters.
//
// The subset of Stripe's PaymentIntent API that payintent supports. Anything
// else is a 400 naming the parameter ("Received unknown parameter: x"), so a
// client never believes a field it sent took effect when it did not.
#pragma once

#include "http_server/api_error.hpp"
#include "http_server/form.hpp"

#include <payintent/payment_service.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace payintent::http {

// POST /v1/payment_intents: amount (integer minor units), currency, and
// optionally payment_method, description, metadata[KEY], confirm
// (true|false, default false), capture_method (automatic, or manual: the
// intent stops at requires_capture) and return_url.
struct create_request {
  create_params intent;
  bool confirm = false;  // true: create and confirm in one idempotent call (a charge)
  // Where the 3-D Secure challenge page sends the browser when it is
  // answered; "" for none. Kept by the server (challenge_tokens.hpp), not
  // the library, so it is not part of the idempotency fingerprint.
  std::string return_url;
};
std::optional<api_error> parse_create(const form_fields& form, create_request& out);

// POST /v1/payment_intents/{id}/confirm: optionally payment_method and return_url.
struct confirm_request {
  confirm_params params;
  std::string return_url;  // as create_request's
};
std::optional<api_error> parse_confirm(const form_fields& form, confirm_request& out);

// A return_url must be an absolute http or https URL with a host, of at most
// 2048 printable ASCII characters (no spaces). The 400 names the parameter,
// never its value.
std::optional<api_error> check_return_url(std::string_view url);

// POST /v1/payment_intents/{id}/cancel: optionally cancellation_reason.
std::optional<api_error> parse_cancel(const form_fields& form, cancel_params& out);

// POST /v1/payment_intents/{id}/capture: optionally amount_to_capture.
std::optional<api_error> parse_capture(const form_fields& form, capture_params& out);

// POST /v1/refunds: payment_intent, and optionally amount and reason.
struct refund_request {
  std::string payment_intent;
  refund_params params;
};
std::optional<api_error> parse_refund(const form_fields& form, refund_request& out);

// The charge a confirmed create asks for, waiting at most `wait_budget`.
charge_params as_charge(const create_request& create, std::chrono::milliseconds wait_budget);

}  // namespace payintent::http
