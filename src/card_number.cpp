// The card-number detector behind contains_card_number; validation.hpp states
// the rule, and docs/design.md ("Card data") what it leaves out and why.
#include "payintent/validation.hpp"

#include "ascii.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace payintent {
namespace {

constexpr std::size_t min_pan_digits = 13;
constexpr std::size_t max_pan_digits = 19;
constexpr std::size_t max_layout_groups = 5;  // 4-4-4-4-3

using ascii::is_alnum;
using ascii::is_digit;

constexpr std::uint32_t lengths(std::size_t from, std::size_t to) {
  std::uint32_t mask = 0;
  for (std::size_t n = from; n <= to; ++n) mask |= 1u << n;
  return mask;
}
constexpr std::uint32_t length(std::size_t n) {
  return lengths(n, n);
}

// Numbers whose first digits lie in [low, high] (compared on as many digits
// as `low` has) and whose length is in `lengths`: the ranges and lengths the
// major brands issue. Ranges outside it, and lengths a brand allows on paper
// but does not issue, are left out: each is a class of honest ids it would
// otherwise refuse (validation.hpp).
struct issuer_range {
  unsigned low;
  unsigned high;
  std::uint32_t lengths;
};
constexpr issuer_range issuers[] = {
    {4, 4, length(13) | length(16) | length(19)},  // Visa
    {51, 55, length(16)},                          // Mastercard
    {2221, 2720, length(16)},                      // Mastercard
    {34, 34, length(15)},                          // American Express
    {37, 37, length(15)},                          // American Express
    {300, 305, length(14) | length(16)},           // Diners Club
    {3095, 3095, length(14) | length(16)},         // Diners Club
    {36, 36, length(14) | length(16)},             // Diners Club
    {38, 39, length(14) | length(16)},             // Diners Club
    {3528, 3589, lengths(16, 19)},                 // JCB
    {6, 6, lengths(16, 19)},                       // Discover, UnionPay, Maestro, RuPay, Troy
    {50, 50, lengths(16, 19)},                     // Maestro, Verve
    {56, 58, lengths(16, 19)},                     // Maestro
    {2200, 2204, length(16)},                      // Mir
};

unsigned decimal_digits(unsigned n) noexcept {
  unsigned d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

bool issued(std::string_view digits) noexcept {
  for (const issuer_range& r : issuers) {
    if ((r.lengths & (1u << digits.size())) == 0) continue;
    unsigned prefix = 0;
    for (unsigned k = 0; k < decimal_digits(r.low); ++k) {
      prefix = prefix * 10 + static_cast<unsigned>(digits[k] - '0');
    }
    if (prefix >= r.low && prefix <= r.high) return true;
  }
  return false;
}

bool is_pan(std::string_view digits) noexcept {
  return digits.size() >= min_pan_digits && digits.size() <= max_pan_digits && issued(digits) &&
         luhn_valid(digits);
}

// A whole alphanumeric token that holds digits only.
struct group {
  std::size_t begin = 0;
  std::size_t size = 0;
  std::size_t end() const noexcept { return begin + size; }
};

// The token that starts at `at` (text[at - 1] is not alphanumeric), if it is
// all digits.
std::optional<group> digit_token_at(std::string_view text, std::size_t at) noexcept {
  std::size_t end = at;
  for (; end < text.size() && is_alnum(text[end]); ++end) {
    if (!is_digit(text[end])) return std::nullopt;
  }
  if (end == at) return std::nullopt;
  return group{at, end - at};
}

// The digit group joined to `g` by one `sep` after it, or before it.
std::optional<group> joined_after(std::string_view text, const group& g, char sep) noexcept {
  if (g.end() >= text.size() || text[g.end()] != sep) return std::nullopt;
  return digit_token_at(text, g.end() + 1);
}
std::optional<group> joined_before(std::string_view text, const group& g, char sep) noexcept {
  if (g.begin < 2 || text[g.begin - 1] != sep || !is_alnum(text[g.begin - 2])) return std::nullopt;
  std::size_t start = g.begin - 2;
  while (start > 0 && is_alnum(text[start - 1])) --start;
  return digit_token_at(text, start);
}

// How people write card numbers: fours with a shorter last group (13-19
// digits), and the American Express and Diners Club 4-6-5 and 4-6-4.
bool is_card_layout(const std::array<group, max_layout_groups>& groups, std::size_t n) noexcept {
  if (n == 3 && groups[0].size == 4 && groups[1].size == 6) {
    return groups[2].size == 5 || groups[2].size == 4;
  }
  if (n < 4) return false;
  std::size_t total = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (k + 1 < n && groups[k].size != 4) return false;
    total += groups[k].size;
  }
  return groups[n - 1].size <= 4 && total >= min_pan_digits && total <= max_pan_digits;
}

bool grouped_pan(std::string_view text, const std::array<group, max_layout_groups>& groups,
                 std::size_t n) noexcept {
  std::array<char, max_pan_digits> digits{};
  std::size_t count = 0;
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t i = groups[k].begin; i < groups[k].end(); ++i) digits[count++] = text[i];
  }
  return is_pan(std::string_view(digits.data(), count));
}

// A card layout that starts at `first` and is joined by `sep`. A neighbouring
// group of four on either side makes the layout part of a longer run of fours
// (a USPS tracking number), so it is not one; any other neighbour is a stray
// group ("No. 7 4242 4242 4242 4242", an expiry after it).
bool layout_from(std::string_view text, const group& first, char sep) noexcept {
  if (first.size != 4) return false;
  if (const auto before = joined_before(text, first, sep); before && before->size == 4) {
    return false;
  }
  std::array<group, max_layout_groups> groups{first};
  std::size_t n = 1;
  std::optional<group> next = joined_after(text, first, sep);
  while (next && n < max_layout_groups) {
    groups[n++] = *next;
    next = joined_after(text, *next, sep);
    const bool ends_here = !next || next->size != 4;
    if (ends_here && is_card_layout(groups, n) && grouped_pan(text, groups, n)) return true;
  }
  return false;
}

}  // namespace

bool contains_card_number(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_alnum(text[i])) {
      ++i;
      continue;
    }
    const auto token = digit_token_at(text, i);
    std::size_t end = i;
    while (end < text.size() && is_alnum(text[end])) ++end;
    // "+4915123456789" is a phone number in E.164 form: no one writes a
    // card number after a plus sign.
    const bool phone = i > 0 && text[i - 1] == '+';
    if (token && !phone) {
      if (is_pan(text.substr(i, end - i))) return true;
      if (layout_from(text, *token, ' ') || layout_from(text, *token, '-')) return true;
    }
    i = end;
  }
  return false;
}

bool luhn_valid(std::string_view digits) noexcept {
  if (digits.empty()) return false;
  unsigned sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!is_digit(*it)) return false;
    unsigned d = static_cast<unsigned>(*it - '0');
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

}  // namespace payintent

namespace payintent {

bool holds_card_digits(std::string_view text) noexcept {
  std::array<char, 64> run{};  // the digits read so far, through single separators
  std::size_t n = 0;
  auto any_window_passes = [&] {
    for (std::size_t len = min_pan_digits; len <= max_pan_digits && len <= n; ++len) {
      for (std::size_t at = 0; at + len <= n; ++at) {
        if (luhn_valid(std::string_view(run.data() + at, len))) return true;
      }
    }
    return false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_digit(c)) {
      if (n == run.size()) {  // keep the last max_pan_digits - 1 digits
        std::copy(run.end() - (max_pan_digits - 1), run.end(), run.begin());
        n = max_pan_digits - 1;
      }
      run[n++] = c;
      if (n >= min_pan_digits && any_window_passes()) return true;
      continue;
    }
    const bool separator = c == ' ' || c == '-' || c == '+';
    const bool between_digits = i + 1 < text.size() && is_digit(text[i + 1]) && n > 0;
    if (!(separator && between_digits)) n = 0;
  }
  return false;
}

}  // namespace payintent
