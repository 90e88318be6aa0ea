// SHA256_Init and its family are deprecated in OpenSSL 3; see sha256() below
// for why they are used where present.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "payintent/fingerprint.hpp"

#include <openssl/evp.h>
#include <openssl/opensslconf.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace payintent {

fingerprint_builder::fingerprint_builder(operation op, int version) : version_(version) {
  const fmt::format_int digits(version);
  encoding_.reserve(128);
  encoding_.append("payintent-fp/").append(digits.data(), digits.size()).append("\nop=");
  encoding_.append(to_string(op)).push_back('\n');
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

// OpenSSL 3.0's EVP interface allocates and frees the digest's state on every
// EVP_DigestInit_ex2, even on a reused context (one malloc per digest, six per
// charge); its SHA256_* functions keep that state on the stack and skip the
// provider dispatch: about 8% more charges/s with 2 threads on the memory
// store (docs/benchmarks.md). They are deprecated but present in every
// OpenSSL 3 built with its deprecated interfaces, Debian's included; a build
// without them (OPENSSL_NO_DEPRECATED_3_0) digests through EVP.
#ifndef OPENSSL_NO_DEPRECATED_3_0

sha256_digest sha256(std::string_view bytes) {
  sha256_digest digest{};
  SHA256_CTX ctx;
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, bytes.data(), bytes.size()) != 1 ||
      SHA256_Final(digest.data(), &ctx) != 1) {
    throw std::runtime_error("payintent: OpenSSL could not compute a SHA-256 digest");
  }
  return digest;
}

#else

namespace {

// Fetched once: OpenSSL 3 resolves EVP_sha256() through a provider lookup
// on every one-shot digest.
const EVP_MD* sha256_md() noexcept {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct digest_context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~digest_context() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

sha256_digest sha256(std::string_view bytes) {
  thread_local digest_context local;
  sha256_digest digest{};
  unsigned int length = 0;
  const EVP_MD* md = sha256_md();
  if (local.ctx == nullptr || md == nullptr || EVP_DigestInit_ex2(local.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(local.ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(local.ctx, digest.data(), &length) != 1 || length != digest.size()) {
    // OpenSSL could not allocate its context or has no SHA-256 provider:
    // no digest can be made, and a made-up one could match another.
    throw std::runtime_error("payintent: OpenSSL could not compute a SHA-256 digest");
  }
  return digest;
}

#endif

namespace {

// The two hex digits of every byte value, so each byte is one table load.
constexpr std::array<char, 512> hex_pairs = [] {
  constexpr char hex[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (std::size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = hex[b >> 4];
    pairs[2 * b + 1] = hex[b & 0x0f];
  }
  return pairs;
}();

}  // namespace

std::array<char, 64> to_hex_digits(const sha256_digest& d) noexcept {
  std::array<char, 64> out{};
  for (std::size_t i = 0; i < d.size(); ++i) {
    std::memcpy(out.data() + 2 * i, hex_pairs.data() + 2 * std::size_t{d[i]}, 2);
  }
  return out;
}

std::string to_hex(const sha256_digest& d) {
  const auto digits = to_hex_digits(d);
  return std::string(digits.data(), digits.size());
}

std::string sha256_hex(std::string_view bytes) {
  return to_hex(sha256(bytes));
}

std::optional<sha256_digest> digest_from_hex(std::string_view hex) noexcept {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  sha256_digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return d;
}

}  // namespace payintent
