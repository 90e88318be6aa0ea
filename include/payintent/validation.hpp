// payintent — input validation (docs/design.md, "Card data").
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
result<idempotency_key> validate_idempotency_key(std::string_view key, diagnostics* diag = nullptr);

// Intent id: "pi_" + intent_id_chars (24) base62 characters, else errc::not_found (an id that
// cannot exist names nothing).
result<intent_id> validate_intent_id(std::string_view id, diagnostics* diag = nullptr);

// Amount and currency: unknown code is errc::unknown_currency; amount <= 0 or
// above the limit is errc::invalid_amount.
result<money> validate_money(std::int64_t minor_units, std::string_view currency_code,
                             const amount_limits& limits, diagnostics* diag = nullptr);

// A free-text field (`field` names it in messages): at most `max_length`
// bytes, no control characters, no card number.
result<void> validate_text(std::string_view field, std::string_view value, std::size_t max_length,
                           diagnostics* diag = nullptr);

// Metadata: at most 50 pairs; keys 1-40 bytes, values at most 500 bytes,
// checked as validate_text.
result<void> validate_metadata(const std::map<std::string, std::string>& metadata,
                               diagnostics* diag = nullptr);

// A payment method token: 1-255 printable ASCII, not a card number (tokens
// only: payintent never handles raw card data).
result<void> validate_payment_method(std::string_view token, diagnostics* diag = nullptr);

// True when `text` holds a raw card number as a person writes one. Honest
// identifiers (UUIDs, ULIDs, KSUIDs, Snowflake ids, timestamps, dates, phone,
// order and tracking numbers) must pass, so a number is only a card number
// when all of these hold:
//  - It is written whole: a token of 13-19 digits bounded by neither a
//    letter nor a digit ("4242424242424242", "pan:4242424242424242;"), or
//    digit groups joined by one separator, the same one throughout (one
//    space or one dash), in a card's layout: fours with a shorter last group
//    (4-4-4-1 .. 4-4-4-4, 4-4-4-4-1 .. 4-4-4-4-3) or American Express /
//    Diners Club 4-6-5 / 4-6-4. Each group is bounded by neither a letter nor
//    a digit; a group of four joined before or after the layout makes it part
//    of a longer number, any other neighbour is ignored
//    ("No. 7 4242 4242 4242 4242 12/34" is found).
//  - Its first digits and its length are ones a major brand issues: Visa 4
//    (13, 16, 19 digits); Mastercard 51-55, 2221-2720 (16); American
//    Express 34, 37 (15); Diners Club 300-305, 3095, 36, 38-39 (14, 16);
//    JCB 3528-3589 (16-19); 6 - Discover, UnionPay, Maestro, RuPay (16-19);
//    Maestro 50, 56-58 (16-19); Mir 2200-2204 (16).
//  - It passes the Luhn check.
//  - It does not follow a '+' ("+4915123456789" is a phone number).
// Not found, each a trade against refusing honest values by chance (about
// one in ten Luhn-passing candidates):
//  - digits glued to letters ("card4242424242424242", a UUID's hex groups
//    joined across its dashes): random hex, base32 and base62 ids hold such
//    runs, and a 32-hex id would be refused about 1 in 10^4;
//  - a card number inside a longer digit run, or inside a longer run of
//    groups of four (tracking numbers are printed so);
//  - other separators (dots, slashes, '_', two spaces, spaces and dashes
//    mixed) and other layouts ("4242 42424242 4242");
//  - lengths and ranges outside the list: UATP (1...), Mir 17-19 digits
//    (19-digit Snowflake ids from 2027 begin 2200), 12-15-digit Maestro,
//    UnionPay and RuPay 81-82 (18-digit UPS numbers begin 8).
// What is left is card-shaped and refused: a bare number of a listed prefix
// and length that passes Luhn, such as a FedEx Ground 15-digit tracking
// number beginning 34 or 37 (about 1 in 500 of them) or a 16-digit order
// number beginning 4. Twitter-epoch Snowflake ids, bare 19-digit numbers,
// begin 3528 (JCB) from 2037 and 4 (Visa) from 2041.
bool contains_card_number(std::string_view text) noexcept;

// The wide net for what a program repeats back (an error message, a log
// line): true when any 13-19 consecutive digits of `text` pass the Luhn
// check, whatever the brand or layout. Digits glued to letters count, and a
// single space, dash or '+' between two digits does not break the run
// ("x4242424242424242", "4242+4242+4242+4242"). Far too wide to refuse input
// with (most long digit runs hold a Luhn-passing window), it costs only a
// less specific message where it is used to withhold text.
bool holds_card_digits(std::string_view text) noexcept;

// The Luhn check over a string of digits only.
bool luhn_valid(std::string_view digits) noexcept;

}  // namespace payintent
