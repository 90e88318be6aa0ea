// http_card_network — the payment gateway's HTTP API, as its documentation
// would state it. Both sides of the example speak it: the card_network
// (http_card_network.hpp) as the client, and the simulator
// (gateway_simulator.hpp) as the gateway. Swap in your gateway's API here.
//
//   POST /authorizations              Idempotency-Key: <key>
//        {"amount":1200,"currency":"EUR","payment_method":"tok_visa"}
//        200 {"status":"approved","authorization_id":"auth_1"}
//        200 {"status":"declined","decline_code":"insufficient_funds"}
//        200 {"status":"voided"}    the key was voided before the request
//                                   arrived: refused, nothing charged
//        400 {"error":"..."}        malformed; nothing charged
//        409 {"error":"..."}        the key was used with other parameters
//   GET  /authorizations/<key>
//        200 {"status":"approved"|"declined"|"voided", ...}    404 none
//   POST /authorizations/<key>/void
//        200 {"status":"voided"}    idempotent; a key never seen is voided
//                                   too, so a request still in transit
//                                   under it is refused when it arrives
//
// The gateway's idempotency contract: the first request under a key decides;
// a retry with the same key and parameters gets the first answer again and
// never charges twice. Keys are scoped to the merchant account (one per
// payintent tenant in a real deployment; this example has one).
#pragma once

#include <string>
#include <string_view>

namespace payintent::gateway {

inline constexpr std::string_view authorizations_path = "/authorizations";
inline constexpr std::string_view void_suffix = "/void";

// 1-255 characters of [A-Za-z0-9_-]: safe in a header and a URL path without
// escaping. payintent's attempt references ("pi_...-a1") are of this shape.
inline bool valid_idempotency_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 255) return false;
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

inline std::string authorization_path(std::string_view key) {
  return std::string(authorizations_path) + "/" + std::string(key);
}

inline std::string void_path(std::string_view key) {
  return authorization_path(key) + std::string(void_suffix);
}

}  // namespace payintent::gateway
