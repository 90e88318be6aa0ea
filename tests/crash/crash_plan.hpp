// What crash_child charges, shared with the tests that judge it. A key names
// the card it charges ("<prefix>.<card>.<n>"), so whoever survives the child
// can retry any key with exactly the parameters the child used, and a retry
// with the same key replays instead of answering idempotency_key_reused.
#pragma once

#include "payintent/payment_service.hpp"
#include "payintent/testing/fake_card_network.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace payintent::crash_test {

inline constexpr std::string_view tenant = "acme";

// The lease every crash_child takes on its attempts: short, so a survivor
// does not wait long before it may take an attempt over.
inline constexpr std::chrono::milliseconds child_lease{300};

// A token only crash_child's network knows: the request is lost before it
// reaches the card network and the caller hears "unknown". Nothing reaches
// the journal, so recovery's lookup finds nothing and voids.
inline constexpr const char* pm_lost = "pm_card_lost";

enum class card { approve, timeout, decline, lost };

inline std::string_view card_name(card c) {
  switch (c) {
    case card::approve: return "ok";
    case card::timeout: return "timeout";
    case card::decline: return "decline";
    case card::lost: return "lost";
  }
  return "ok";
}

inline std::string key_for(std::string_view prefix, card c, int n) {
  return std::string(prefix) + "." + std::string(card_name(c)) + "." + std::to_string(n);
}

// The parameters a key was (or will be) charged with: its card's token and
// an amount from its number, so different keys differ.
inline charge_params params_for_key(std::string_view key) {
  const auto last_dot = key.rfind('.');
  const auto card_dot = key.rfind('.', last_dot - 1);
  const std::string_view card_part = key.substr(card_dot + 1, last_dot - card_dot - 1);
  charge_params p;
  p.amount = 1000 + std::stoll(std::string(key.substr(last_dot + 1)));
  p.currency = "EUR";
  if (card_part == "timeout") {
    p.payment_method = testing::pm_unknown;
  } else if (card_part == "decline") {
    p.payment_method = testing::pm_decline;
  } else if (card_part == "lost") {
    p.payment_method = pm_lost;
  } else {
    p.payment_method = testing::pm_approve;
  }
  return p;
}

// A capture, release or refund the child was making when it died
// (crash_child follow_up): keys "fu-<kind>-<point>.<step>", so the survivor
// can retry each with exactly the parameters the child used.
inline std::string follow_up_key(std::string_view kind, std::string_view point,
                                 std::string_view step) {
  return "fu-" + std::string(kind) + "-" + std::string(point) + "." + std::string(step);
}
// The manual charge every follow-up scenario starts from.
inline charge_params follow_up_charge() {
  charge_params p;
  p.amount = 1000;
  p.currency = "EUR";
  p.payment_method = testing::pm_approve;
  p.capture_method = capture_method::manual;
  return p;
}
inline capture_params follow_up_capture(std::string_view kind) {
  capture_params p;
  // The refund scenario captures all first; the capture scenario takes part.
  if (kind == "capture") p.amount_to_capture = 600;
  return p;
}
inline cancel_params follow_up_cancel() {
  cancel_params p;
  p.reason = "requested_by_customer";
  return p;
}
inline refund_params follow_up_refund() {
  refund_params p;
  p.amount = 400;
  p.reason = "requested_by_customer";
  return p;
}

}  // namespace payintent::crash_test
