// payintent — input validation (DESIGN sections 3 and 9).
//
// The service validates every argument with these before touching the store;
// they are public so a server can reject bad input early with the same rules.
// Messages name the offending field, never echo its value, so a card number
// pasted into a field never reaches a log. All functions are thread-safe.
#pragma once

#include "payintent/currency.hpp"
#include "payintent/error.hpp"
#include "payintent/ids.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace payintent {

// Per-currency upper bounds on an amount, in minor units.
struct amount_limits {
  // Applies to every currency not listed in per_currency.
  // Default: 99,999,999 minor units (999,999.99 in a 2-decimal currency).
  std::int64_t default_max = 99'999'999;
  // Overrides by upper-case ISO code, e.g. {"JPY", 9'999'999}. Default: none.
  std::map<std::string, std::int64_t, std::less<>> per_currency;

  std::int64_t max_for(const currency& c) const;
};

// Tenant: 1-64 characters of [A-Za-z0-9_.-]. errc::invalid_argument otherwise.
result<tenant_id> validate_tenant(std::string_view tenant, diagnostics* diag = nullptr);

// Key: empty is errc::missing_idempotency_key; otherwise 1-255 printable ASCII
// (0x20-0x7E), else errc::invalid_idempotency_key. A key that holds a card
// number is errc::raw_card_number.
result<idempotency_key> validate_idempotency_key(std::string_view key,
                                                 diagnostics* diag = nullptr);

// Intent id: "pi_" + 24 base62 characters, else errc::not_found (an id that
// cannot exist names nothing).
result<intent_id> validate_intent_id(std::string_view id, diagnostics* diag = nullptr);

// Amount and currency: unknown code is errc::unknown_currency; amount <= 0 or
// above the limit is errc::invalid_amount.
result<money> validate_money(std::int64_t minor_units, std::string_view currency_code,
                             const amount_limits& limits, diagnostics* diag = nullptr);

// A free-text field (`field` names it in messages): at most `max_length`
// bytes, no control characters, no card number.
result<void> validate_text(std::string_view field, std::string_view value,
                           std::size_t max_length, diagnostics* diag = nullptr);

// Metadata: at most 50 pairs; keys 1-40 bytes, values at most 500 bytes,
// checked as validate_text.
result<void> validate_metadata(const std::map<std::string, std::string>& metadata,
                               diagnostics* diag = nullptr);

// A payment method token: 1-255 printable ASCII, not a card number (tokens
// only: payintent never handles raw card data).
result<void> validate_payment_method(std::string_view token, diagnostics* diag = nullptr);

// True when `text` holds a raw card number: 13-19 digits that pass the Luhn
// check and do not start with 0 (no card does; zero-padded counters do),
// either as a whole run of consecutive digits or as whole digit groups joined
// by single spaces or dashes ("4242 4242 4242 4242"). Digits inside a longer
// run (a 22-digit order number, a nanosecond timestamp) are not a card number:
// searching every window there would reject honest keys by chance.
bool contains_card_number(std::string_view text) noexcept;

// The Luhn check over a string of digits only.
bool luhn_valid(std::string_view digits) noexcept;

}  // namespace payintent
