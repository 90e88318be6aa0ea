// ASCII character classes shared by the validators and the card-number
// detector. Locale-free on purpose: <cctype> answers by the C locale and takes
// int, so a negative char is undefined behaviour there.
#pragma once

namespace payintent::ascii {

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
// [A-Za-z0-9], which is also the base62 alphabet of intent ids.
constexpr bool is_alnum(char c) noexcept {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
constexpr bool is_printable(char c) noexcept {
  return c >= 0x20 && c <= 0x7e;
}

}  // namespace payintent::ascii
