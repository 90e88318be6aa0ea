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

}  // namespace payintent::crash_test
