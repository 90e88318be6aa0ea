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
  // Authorized with capture_method manual: the hold waits for capture (then
  // succeeded) or cancel (the hold is released, then canceled).
  requires_capture = 8,
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
  voided = 8,             // reversed by recovery: an authorization, or a capture, release or
                          // refund the network did not find (the void refuses a late arrival)
  succeeded = 9,          // the network carried out a capture, release or refund
};

// What an attempt asks the network to do (card_network.hpp). Values are
// persisted: never renumber.
enum class attempt_kind : std::uint8_t {
  authorization = 1,  // async_authorize: holds (or, automatic capture, takes) the amount
  capture = 2,        // async_capture: takes `amount` of a held authorization, releases the rest
  release = 3,        // async_release: lets a held authorization go (cancel of requires_capture)
  refund = 4,         // async_refund: gives `amount` of what was captured back
};

// When an authorized intent's money is taken. Values are persisted.
enum class capture_method : std::uint8_t {
  automatic = 1,  // at authorization: the intent ends succeeded
  manual = 2,     // later, by payment_service::capture: the intent waits in requires_capture
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
std::string_view to_string(attempt_kind k) noexcept;
std::string_view to_string(capture_method m) noexcept;
std::optional<capture_method> parse_capture_method(std::string_view name) noexcept;

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

template <>
struct fmt::formatter<payintent::attempt_kind> : fmt::formatter<std::string_view> {
  auto format(payintent::attempt_kind k, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::to_string(k), ctx);
  }
};

template <>
struct fmt::formatter<payintent::capture_method> : fmt::formatter<std::string_view> {
  auto format(payintent::capture_method m, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::to_string(m), ctx);
  }
};
