// payintent — refunds: captured money given back, each its own object.
//
// A refund is one refund attempt of its payment intent (records.hpp): the
// attempt is the durable record written before the card network is called,
// under the intent's compare-and-set version, so the refunds of an intent
// never reserve more than it received, whatever runs concurrently
// (payment_service::refund). Its id names the intent and the attempt, so
// retrieving it is one load of the intent.
#pragma once

#include "payintent/records.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace payintent {

// What the caller sees of a refund.
enum class refund_status : std::uint8_t {
  pending = 1,          // sent (or about to be); the network has not answered for certain
  succeeded = 2,        // the network gave the money back
  failed = 3,           // definitely not refunded: declined, not sent, or not found and voided
  // Recovery could not learn the outcome, or the network carried the refund
  // out after recovery had voided it and the void of that late arrival
  // failed: a person decides. Its amount stays reserved meanwhile.
  requires_review = 4,
};
std::string_view to_string(refund_status s) noexcept;

struct refund {
  std::string id;  // refund_id(intent, attempt.number)
  tenant_id tenant;
  intent_id intent;
  money amount;
  std::string reason;  // as asked for; may be empty
  refund_status status = refund_status::pending;
  // When failed: the decline code, or "network_not_sent", "refund_not_found".
  std::string failure_reason;
  payintent::attempt attempt;  // the network call behind it (kind refund)
  friend bool operator==(const refund&, const refund&) = default;
};

// "re_" + the intent id after its "pi_" + "_" + the attempt number, e.g.
// "re_4Jx..._3".
std::string refund_id(const intent_id& intent, int attempt_number);

// The intent and attempt number a refund id names, or nullopt when `id` is
// not shaped like one.
struct refund_address {
  intent_id intent;
  int attempt_number = 0;
};
std::optional<refund_address> parse_refund_id(std::string_view id);

// Attempt `number` of `intent` as a refund, or nullopt when it is not a refund.
std::optional<refund> refund_of(const payment_intent& intent, int number);

// Every refund of `intent`, oldest first.
std::vector<refund> refunds_of(const payment_intent& intent);

}  // namespace payintent

template <>
struct fmt::formatter<payintent::refund_status> : fmt::formatter<std::string_view> {
  auto format(payintent::refund_status s, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::to_string(s), ctx);
  }
};
