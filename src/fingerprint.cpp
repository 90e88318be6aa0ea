#include "payintent/fingerprint.hpp"

#include <openssl/evp.h>

#include <array>

namespace payintent {

fingerprint_builder::fingerprint_builder(operation op, int version) : version_(version) {
  encoding_ = fmt::format("payintent-fp/{}\nop={}\n", version, to_string(op));
}

fingerprint_builder& fingerprint_builder::add(std::string_view name, std::string_view value) {
  const fmt::format_int length(value.size());
  encoding_.append(name).append("=").append(length.data(), length.size()).append(":");
  encoding_.append(value);
  encoding_.push_back('\n');
  return *this;
}

fingerprint_builder& fingerprint_builder::add(std::string_view name, std::int64_t value) {
  const fmt::format_int digits(value);
  return add(name, std::string_view(digits.data(), digits.size()));
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

namespace {

// OpenSSL 3 resolves EVP_sha256() through a provider lookup on every one-shot
// digest; fetching the implementation once and reusing a per-thread context
// takes that lookup (and two allocations) off every audit entry and request.
const EVP_MD* sha256_md() noexcept {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct digest_context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~digest_context() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  thread_local digest_context local;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const EVP_MD* md = sha256_md();
  if (local.ctx == nullptr || md == nullptr || EVP_DigestInit_ex2(local.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(local.ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(local.ctx, digest.data(), &length) != 1) {
    return {};  // only on allocation failure inside OpenSSL
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(std::size_t{length} * 2, '0');
  for (std::size_t i = 0; i < length; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace payintent
