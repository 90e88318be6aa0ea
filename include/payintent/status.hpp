// payintent — the states of intents and attempts (docs/design.md, "The state machine").
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace payintent {

// What the caller sees. Values are persisted: never renumber.
enum class intent_status : std::uint8_t {
  created = 1,          // amount and currency fixed; nothing sent
  processing = 2,       // an attempt is in flight, pending, or its outcome is unknown
  requires_action = 3,  // 3-D Secure step-up needed; the intent carries next_action
  succeeded = 4,        // money moved; terminal
  failed = 5,           // last attempt definitely failed; a confirm with a new key may retry
  canceled = 6,         // terminal; allowed from created, requires_action, failed
  requires_review = 7,  // reconciliation could not learn the outcome; a person decides
};

// One dispatch to the card network. Values are persisted: never renumber.
enum class attempt_state : std::uint8_t {
  init = 1,               // written durably before the network is called
  authorized = 2,         // the network approved: money moved
  declined = 3,           // the network definitely refused
  challenge_pending = 4,  // the network asked for a 3-D Secure challenge: waiting for it while
                          // the latest attempt; an earlier one was answered by authenticate,
                          // which resumed as the next attempt
  pending = 5,            // the network will decide later
  unknown = 6,            // sent, but no answer (timeout, connection lost)
  not_sent = 7,           // provably never left this process
  voided = 8,             // an authorization reversed by recovery
};

// Terminal intent states never change (invariant 1).
constexpr bool is_terminal(intent_status s) noexcept {
  return s == intent_status::succeeded || s == intent_status::canceled;
}

// An attempt in one of these states blocks new attempts, cancel and capture
// until reconciled (invariant 2).
constexpr bool is_unresolved(attempt_state s) noexcept {
  return s == attempt_state::init || s == attempt_state::pending || s == attempt_state::unknown;
}

// The lower-case names used in JSON, audit entries and logs ("requires_action").
std::string_view to_string(intent_status s) noexcept;
std::string_view to_string(attempt_state s) noexcept;
std::optional<intent_status> parse_intent_status(std::string_view name) noexcept;
std::optional<attempt_state> parse_attempt_state(std::string_view name) noexcept;

}  // namespace payintent

template <>
struct fmt::formatter<payintent::intent_status> : fmt::formatter<std::string_view> {
  auto format(payintent::intent_status s, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::to_string(s), ctx);
  }
};

template <>
struct fmt::formatter<payintent::attempt_state> : fmt::formatter<std::string_view> {
  auto format(payintent::attempt_state s, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::to_string(s), ctx);
  }
};
