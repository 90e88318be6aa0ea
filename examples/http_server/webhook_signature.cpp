#include "http_server/webhook_signature.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <vector>

namespace payintent::http {
namespace {

// Lower-case hex HMAC-SHA256 of "<t>.<body>".
std::string v1_of(std::string_view secret, std::int64_t t, std::string_view body) {
  const std::string signed_payload = fmt::format("{}.{}", t, body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_payload.data()), signed_payload.size(), mac,
       &length);
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", mac[i]);
  return hex;
}

}  // namespace

std::string stripe_signature(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body) {
  return fmt::format("t={},v1={}", unix_seconds, v1_of(secret, unix_seconds, body));
}

bool verify_stripe_signature(std::string_view header, std::string_view body,
                             std::string_view secret, std::int64_t now_unix_seconds,
                             std::int64_t tolerance_seconds) {
  std::int64_t t = -1;
  std::vector<std::string_view> signatures;  // every v1=, as Stripe may send several
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item.starts_with("t=")) {
      const auto digits = item.substr(2);
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), t);
      if (ec != std::errc{} || end != digits.data() + digits.size()) return false;
    } else if (item.starts_with("v1=")) {
      signatures.push_back(item.substr(3));
    }
  }
  if (t < 0 || signatures.empty()) return false;
  if (now_unix_seconds - t > tolerance_seconds || t - now_unix_seconds > tolerance_seconds) {
    return false;
  }
  const std::string expected = v1_of(secret, t, body);
  for (const auto v1 : signatures) {
    if (v1.size() == expected.size() &&
        CRYPTO_memcmp(v1.data(), expected.data(), expected.size()) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace payintent::http
