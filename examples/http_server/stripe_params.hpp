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

namespace payintent::http {

// POST /v1/payment_intents: amount (integer minor units), currency, and
// optionally payment_method, description, metadata[KEY], confirm
// (true|false, default false) and capture_method (automatic only: payintent
// captures on authorization, so manual is a clear 400).
struct create_request {
  create_params intent;
  bool confirm = false;  // true: create and confirm in one idempotent call (a charge)
};
std::optional<api_error> parse_create(const form_fields& form, create_request& out);

// POST /v1/payment_intents/{id}/confirm: optionally payment_method.
std::optional<api_error> parse_confirm(const form_fields& form, confirm_params& out);

// POST /v1/payment_intents/{id}/cancel: optionally cancellation_reason.
std::optional<api_error> parse_cancel(const form_fields& form, cancel_params& out);

// The charge a confirmed create asks for, waiting at most `wait_budget`.
charge_params as_charge(const create_request& create, std::chrono::milliseconds wait_budget);

}  // namespace payintent::http
