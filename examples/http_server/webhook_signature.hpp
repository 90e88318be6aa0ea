// http_server — the Stripe-Signature header of a webhook: how the server
// signs (webhooks.hpp) and how a merchant's receiver verifies
// (docs/events.md, "Verifying a webhook").
//
//   Stripe-Signature: t=1764240000,v1=5257a869...
//
// v1 is the lower-case hex HMAC-SHA256 of "<t>.<body>" under the endpoint's
// secret. A receiver recomputes it over the body exactly as received, compares
// in constant time, and rejects a t older (or newer) than its tolerance, so a
// captured request cannot be replayed later. Thread-safe, pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace payintent::http {

// "t=<unix_seconds>,v1=<hex>" for `body`.
std::string stripe_signature(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body);

// True when `header` carries t and a v1 that signs `body` under `secret`,
// and |now - t| <= tolerance_seconds (Stripe's libraries: 300).
bool verify_stripe_signature(std::string_view header, std::string_view body,
                             std::string_view secret, std::int64_t now_unix_seconds,
                             std::int64_t tolerance_seconds = 300);

}  // namespace payintent::http
