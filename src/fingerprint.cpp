#include "payintent/fingerprint.hpp"

#include <openssl/evp.h>

#include <array>

namespace payintent {

fingerprint_builder::fingerprint_builder(operation op, int version) : version_(version) {
  encoding_ = fmt::format("payintent-fp/{}\nop={}\n", version, to_string(op));
}

fingerprint_builder& fingerprint_builder::add(std::string_view name, std::string_view value) {
  fmt::format_to(std::back_inserter(encoding_), "{}={}:", name, value.size());
  encoding_.append(value);
  encoding_.push_back('\n');
  return *this;
}

fingerprint_builder& fingerprint_builder::add(std::string_view name, std::int64_t value) {
  return add(name, std::string_view(fmt::format("{}", value)));
}

fingerprint_builder& fingerprint_builder::add(std::string_view name,
                                              const std::map<std::string, std::string>& values) {
  // std::map iterates in key order, so insertion order never changes the digest.
  for (const auto& [key, value] : values) {
    add(fmt::format("{}.{}", name, key), std::string_view(value));
  }
  return *this;
}

std::string fingerprint_builder::hex_digest() const {
  return sha256_hex(encoding_);
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // The one-shot EVP_Digest keeps no shared state, so concurrent calls are safe.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    return {};  // only on allocation failure inside OpenSSL
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(std::size_t{length} * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace payintent
