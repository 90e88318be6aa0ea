// Fuzzes the card-number detector. Besides never crashing:
//  - luhn_valid agrees with a direct computation of the Luhn sum;
//  - a known test card embedded in any text between non-digit characters is
//    always found, plain, spaced in fours, or dashed;
//  - a text the detector flags is never accepted by validate_text.
#include "payintent/validation.hpp"
#include "support/byte_reader.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  payintent::fuzz::byte_reader in(data, size);
  const auto mode = in.pick(3);
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

  // Embed a test card at a point of the text, fenced by non-digits.
  static constexpr const char* forms[] = {"4242424242424242", "4242 4242 4242 4242",
                                          "4242-4242-4242-4242"};
  const std::size_t at = text.empty() ? 0 : data[0] % (text.size() + 1);
  std::string with(text.substr(0, at));
  if (!with.empty() && (is_digit(with.back()) || with.back() == ' ' || with.back() == '-')) {
    with += 'x';
  }
  with += forms[mode];
  std::string tail(text.substr(at));
  if (!tail.empty() && (is_digit(tail.front()) || tail.front() == ' ' || tail.front() == '-')) {
    with += 'x';
  }
  with += tail;
  if (!contains_card_number(with)) fuzz::fail("an embedded test card was not found");
  return 0;
}
