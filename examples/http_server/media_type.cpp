#include "http_server/media_type.hpp"

#include <algorithm>

namespace payintent::http {

std::string_view trim_whitespace(std::string_view text) noexcept {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool iequals_trimmed(std::string_view text, std::string_view lower_case) noexcept {
  text = trim_whitespace(text);
  return std::equal(
      text.begin(), text.end(), lower_case.begin(), lower_case.end(),
      [](char a, char b) { return (a >= 'A' && a <= 'Z' ? static_cast<char>(a | 0x20) : a) == b; });
}

bool media_type_is(std::string_view content_type, std::string_view lower_case) noexcept {
  return iequals_trimmed(content_type.substr(0, content_type.find(';')), lower_case);
}

}  // namespace payintent::http
