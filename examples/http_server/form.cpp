#include "http_server/form.hpp"

#include <payintent/validation.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace payintent::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

}  // namespace

std::optional<api_error> parse_form(std::string_view body, form_fields& out) {
  out.clear();
  std::size_t position = 0;
  while (position < body.size()) {
    const std::size_t end = std::min(body.find('&', position), body.size());
    const std::string_view pair = body.substr(position, end - position);
    position = end + 1;
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    const std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) {
      return invalid_request(
          fmt::format("Invalid form body: a bad percent-escape in parameter #{}", out.size() + 1));
    }
    if (name->empty()) return invalid_request("Invalid form body: a parameter without a name");
    if (contains_card_number(*name)) {
      return invalid_request("A raw card number was sent; send a payment method token instead", {},
                             "raw_card_number");
    }
    if (contains_card_number(*value)) {
      return invalid_request(
          fmt::format("A raw card number was sent in '{}'; send a payment method token instead",
                      *name),
          *name, "raw_card_number");
    }
    const bool repeated =
        std::any_of(out.begin(), out.end(), [&](const form_field& f) { return f.name == *name; });
    if (repeated) {
      return invalid_request(fmt::format("Parameter '{}' was given more than once", *name), *name);
    }
    out.push_back({std::move(*name), std::move(*value)});
  }
  return std::nullopt;
}

}  // namespace payintent::http
