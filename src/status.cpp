#include "payintent/status.hpp"
#include "payintent/records.hpp"

#include <array>
#include <utility>

namespace payintent {
namespace {

constexpr std::array<std::pair<intent_status, std::string_view>, 8> intent_status_names{{
    {intent_status::created, "created"},
    {intent_status::processing, "processing"},
    {intent_status::requires_action, "requires_action"},
    {intent_status::succeeded, "succeeded"},
    {intent_status::failed, "failed"},
    {intent_status::canceled, "canceled"},
    {intent_status::requires_review, "requires_review"},
    {intent_status::requires_capture, "requires_capture"},
}};

constexpr std::array<std::pair<attempt_state, std::string_view>, 9> attempt_state_names{{
    {attempt_state::init, "init"},
    {attempt_state::authorized, "authorized"},
    {attempt_state::declined, "declined"},
    {attempt_state::challenge_pending, "challenge_pending"},
    {attempt_state::pending, "pending"},
    {attempt_state::unknown, "unknown"},
    {attempt_state::not_sent, "not_sent"},
    {attempt_state::voided, "voided"},
    {attempt_state::succeeded, "succeeded"},
}};

constexpr std::array<std::pair<attempt_kind, std::string_view>, 4> attempt_kind_names{{
    {attempt_kind::authorization, "authorization"},
    {attempt_kind::capture, "capture"},
    {attempt_kind::release, "release"},
    {attempt_kind::refund, "refund"},
}};

constexpr std::array<std::pair<capture_method, std::string_view>, 2> capture_method_names{{
    {capture_method::automatic, "automatic"},
    {capture_method::manual, "manual"},
}};

constexpr std::array<std::pair<operation, std::string_view>, 7> operation_names{{
    {operation::create_intent, "create_intent"},
    {operation::confirm, "confirm"},
    {operation::charge, "charge"},
    {operation::cancel, "cancel"},
    {operation::authenticate, "authenticate"},
    {operation::capture, "capture"},
    {operation::refund, "refund"},
}};

// Values come from storage too, so an out-of-range one must still print.
template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                         Enum value) noexcept {
  for (const auto& [e, name] : names) {
    if (e == value) return name;
  }
  return "invalid";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view name) noexcept {
  for (const auto& [e, n] : names) {
    if (n == name) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(intent_status s) noexcept {
  return name_of(intent_status_names, s);
}
std::string_view to_string(attempt_state s) noexcept {
  return name_of(attempt_state_names, s);
}
std::string_view to_string(operation op) noexcept {
  return name_of(operation_names, op);
}

std::string_view to_string(attempt_kind k) noexcept {
  return name_of(attempt_kind_names, k);
}
std::string_view to_string(capture_method m) noexcept {
  return name_of(capture_method_names, m);
}
std::optional<capture_method> parse_capture_method(std::string_view name) noexcept {
  return value_of(capture_method_names, name);
}

std::optional<intent_status> parse_intent_status(std::string_view name) noexcept {
  return value_of(intent_status_names, name);
}

std::optional<attempt_state> parse_attempt_state(std::string_view name) noexcept {
  return value_of(attempt_state_names, name);
}

}  // namespace payintent
