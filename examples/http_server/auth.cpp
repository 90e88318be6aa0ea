#include "http_server/auth.hpp"

#include <array>

namespace payintent::http {
namespace {

api_error unauthorized(std::string message) {
  return api_error{401, "invalid_request_error", "invalid_api_key", std::move(message), {}};
}

bool starts_with_scheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if ((header[i] | 0x20) != (scheme[i] | 0x20)) return false;  // schemes are case-insensitive
  }
  return true;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=') {
      // Padding only at the end, at most two.
      if (i + 2 < text.size() || text.find_first_not_of('=', i) != std::string_view::npos) {
        return std::nullopt;
      }
      break;
    }
    const auto digit = alphabet.find(text[i]);
    if (digit == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(digit);
    if (++count == 4) {
      out.push_back(static_cast<char>((bits >> 16) & 0xff));
      out.push_back(static_cast<char>((bits >> 8) & 0xff));
      out.push_back(static_cast<char>(bits & 0xff));
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out.push_back(static_cast<char>((bits >> 4) & 0xff));
  if (count == 3) {
    out.push_back(static_cast<char>((bits >> 10) & 0xff));
    out.push_back(static_cast<char>((bits >> 2) & 0xff));
  }
  if (count == 1) return std::nullopt;
  return out;
}

bool api_keys::add(std::string key, std::string tenant) {
  return tenants_.emplace(std::move(key), std::move(tenant)).second;
}

std::variant<std::string, api_error> api_keys::authenticate(std::string_view header) const {
  std::string key;
  if (header.empty()) {
    return unauthorized(
        "You did not provide an API key: send it as a Bearer token or as the basic auth user name");
  }
  if (starts_with_scheme(header, "Bearer")) {
    key = header.substr(7);
  } else if (starts_with_scheme(header, "Basic")) {
    auto decoded = base64_decode(header.substr(6));
    if (!decoded) return unauthorized("Invalid basic authorization: not base64");
    // A password the server ignored would be a credential the client
    // believes is checked; the key alone is the credential.
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos || colon + 1 != decoded->size()) {
      return unauthorized(
          "Invalid basic authorization: send the API key as the user name and an empty password");
    }
    key = decoded->substr(0, colon);
  } else {
    return unauthorized("Unsupported authorization scheme: use Bearer or Basic");
  }
  auto found = tenants_.find(key);
  if (found == tenants_.end()) return unauthorized("Invalid API key provided");
  return found->second;
}

}  // namespace payintent::http
