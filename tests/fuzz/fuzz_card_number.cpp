// Fuzzes the card-number detector. Besides never crashing:
//  - luhn_valid agrees with a direct computation of the Luhn sum;
//  - a test card embedded in any text, fenced from it by a character that is
//    neither alphanumeric, a separator nor '+', is always found, plain, in
//    fours spaced or dashed, or in the American Express layout;
//  - a text with no all-digit alphanumeric token (digits glued to letters,
//    as in hex ids) is never flagged;
//  - a UUID made of any bytes, lower or upper case, bare, after stripe-node's
//    "stripe-node-retry-" or before ":<attempt>", is never flagged;
//  - a text the detector flags is never accepted by validate_text.
#include "payintent/validation.hpp"
#include "support/byte_reader.hpp"

#include <fmt/format.h>

#include <string>

namespace {

using namespace payintent;

bool luhn_reference(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// Ends of the text a card is embedded between need a fence.
bool needs_fence(char c) {
  return is_alnum(c) || c == ' ' || c == '-' || c == '+';
}

bool has_digit_token(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (!is_alnum(text[i])) {
      ++i;
      continue;
    }
    bool digits = true;
    for (; i < text.size() && is_alnum(text[i]); ++i) digits = digits && is_digit(text[i]);
    if (digits) return true;
  }
  return false;
}

// A UUID of 16 bytes from `text` (zero-padded), shaped by `shape`.
std::string uuid_from(std::string_view text, std::uint8_t shape) {
  std::uint8_t b[16] = {};
  for (std::size_t i = 0; i < 16 && i < text.size(); ++i) b[i] = static_cast<std::uint8_t>(text[i]);
  std::string u = fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
  if (shape & 1) {
    for (char& c : u) c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
  }
  if (shape & 2) u = "stripe-node-retry-" + u;
  if (shape & 4) u += fmt::format(":{}", shape >> 3);
  return u;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  payintent::fuzz::byte_reader in(data, size);
  static constexpr const char* forms[] = {"4242424242424242",    "4242 4242 4242 4242",
                                          "4242-4242-4242-4242", "3782 822463 10005",
                                          "36227206271667",      "6205-5000-0000-0000-004"};
  const auto mode = in.pick(std::size(forms));
  const std::string_view text = in.rest();

  const bool all_digits = !text.empty() && text.find_first_not_of("0123456789") == text.npos;
  if (all_digits && luhn_valid(text) != luhn_reference(text)) fuzz::fail("luhn_valid");

  // A flagged text is never accepted. Malformed text (bad UTF-8, control
  // characters) is rejected as that first, as every validator checks form
  // before content; well-formed text is rejected as a card number.
  const bool flagged = contains_card_number(text);
  auto checked = validate_text("field", text, text.size() + 1);
  if (flagged && checked) fuzz::fail("validate_text let a flagged card number through");
  if (flagged && errc(checked.error().value()) != errc::raw_card_number &&
      errc(checked.error().value()) != errc::invalid_argument) {
    fuzz::fail("validate_text rejected a card number with an unexpected code");
  }

  if (flagged && !has_digit_token(text)) fuzz::fail("digits glued to letters were flagged");
  if (contains_card_number(uuid_from(text, size ? data[0] : 0))) fuzz::fail("a UUID was flagged");

  // Embed a test card at a point of the text, fenced from it.
  const std::size_t at = text.empty() ? 0 : data[0] % (text.size() + 1);
  std::string with(text.substr(0, at));
  if (!with.empty() && needs_fence(with.back())) with += ';';
  with += forms[mode];
  std::string tail(text.substr(at));
  if (!tail.empty() && needs_fence(tail.front())) with += ';';
  with += tail;
  if (!contains_card_number(with)) fuzz::fail("an embedded test card was not found");
  return 0;
}
