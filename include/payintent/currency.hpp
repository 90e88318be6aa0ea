// payintent — ISO 4217 currencies and money.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace payintent {

// One active ISO 4217 currency. Instances live in a static table for the life
// of the program, so `const currency*` is a stable identity.
struct currency {
  std::string_view code;     // "EUR"
  std::uint16_t numeric;     // 978
  std::uint8_t exponent;     // minor-unit digits: 2 for EUR, 0 for JPY, 3 for BHD
  std::string_view name;     // "Euro"
};

// Every active ISO 4217 currency (funds and precious-metal codes excluded),
// sorted by code. Thread-safe.
std::span<const currency> all_currencies() noexcept;

// Looks up a code case-insensitively ("usd" finds USD, as Stripe clients send
// it). Returns nullptr for anything else. Thread-safe.
const currency* find_currency(std::string_view code) noexcept;

// An amount in integer minor units (cents for USD, yen for JPY). Never a float.
struct money {
  std::int64_t minor_units = 0;
  const payintent::currency* currency = nullptr;  // never null in a validated value

  friend bool operator==(const money& a, const money& b) noexcept {
    return a.minor_units == b.minor_units && a.currency == b.currency;
  }
};

}  // namespace payintent

// Formats as "12.34 EUR", "500 JPY", "1.005 BHD".
template <>
struct fmt::formatter<payintent::money> : fmt::formatter<std::string_view> {
  auto format(const payintent::money& m, format_context& ctx) const -> format_context::iterator;
};

template <>
struct fmt::formatter<payintent::currency> : fmt::formatter<std::string_view> {
  auto format(const payintent::currency& c, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(c.code, ctx);
  }
};
