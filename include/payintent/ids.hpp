// payintent — strongly typed identifiers.
//
// Ids are plain values (cheap to copy, comparable, hashable, formattable with
// fmt). Constructing one does not validate it: the service validates what
// callers pass (see validation.hpp) and stores only return what was validated
// on the way in.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace payintent {

template <class Tag>
class basic_id {
 public:
  basic_id() = default;
  explicit basic_id(std::string value) : value_(std::move(value)) {}

  const std::string& str() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

  friend auto operator<=>(const basic_id&, const basic_id&) = default;
  friend bool operator==(const basic_id&, const basic_id&) = default;

 private:
  std::string value_;
};

// The merchant every call is scoped to: 1-64 characters of [A-Za-z0-9_.-].
using tenant_id = basic_id<struct tenant_tag>;
// A client's retry key: 1-255 printable ASCII characters (0x20-0x7E).
using idempotency_key = basic_id<struct idempotency_key_tag>;
// "pi_" followed by 24 base62 characters, from a CSPRNG.
using intent_id = basic_id<struct intent_tag>;

// Generates a fresh, unguessable intent id. Thread-safe.
intent_id generate_intent_id();

// The deterministic reference of attempt `number` (1-based) of an intent,
// passed to the card network so a network that dedupes can:
// "<intent id>-a<number>", e.g. "pi_4Jx...-a2".
std::string attempt_reference(const intent_id& intent, int number);

}  // namespace payintent

template <class Tag>
struct std::hash<payintent::basic_id<Tag>> {
  std::size_t operator()(const payintent::basic_id<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};

template <class Tag>
struct fmt::formatter<payintent::basic_id<Tag>> : fmt::formatter<std::string_view> {
  auto format(const payintent::basic_id<Tag>& id, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(id.str(), ctx);
  }
};
