// payintent — request fingerprints (docs/design.md, "Idempotency contract").
//
// A fingerprint is the SHA-256 of a canonical encoding of an operation and its
// parameters. The same key with a different fingerprint is
// errc::idempotency_key_reused. The encoding is versioned; the version is
// stored with each key so an encoding change never turns an honest retry into
// a mismatch: a retry is compared using the version its key was stored with.
#pragma once

#include "payintent/records.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace payintent {

inline constexpr int current_fingerprint_version = 1;

// Accumulates named fields in a fixed order and hashes them.
// Encoding v1: "payintent-fp/1\n" "op=" <operation> "\n", then for each field
// "<name>=<byte length>:<bytes>\n" in the order added; maps are added as
// sorted "<name>.<key>" fields. Lengths make the encoding unambiguous.
class fingerprint_builder {
 public:
  explicit fingerprint_builder(operation op, int version = current_fingerprint_version);

  fingerprint_builder& add(std::string_view name, std::string_view value);
  fingerprint_builder& add(std::string_view name, std::int64_t value);
  fingerprint_builder& add(std::string_view name, const std::map<std::string, std::string>& values);

  int version() const noexcept { return version_; }
  // Lower-case hex SHA-256 of the encoding.
  std::string hex_digest() const;

 private:
  int version_;
  std::string encoding_;
};

// A SHA-256 as its 32 bytes: for code that keeps many digests (the memory
// store keeps one per audit entry) in half the room of their hex.
using sha256_digest = std::array<std::uint8_t, 32>;

// SHA-256 of arbitrary bytes (OpenSSL). Thread-safe. Allocates nothing where
// OpenSSL offers its SHA256_* functions (Debian's does); an OpenSSL built
// without deprecated interfaces is used through EVP, which allocates once per
// digest. Throws std::runtime_error when OpenSSL cannot digest at all.
sha256_digest sha256(std::string_view bytes);

// Lower-case hex SHA-256 of arbitrary bytes: to_hex(sha256(bytes)).
std::string sha256_hex(std::string_view bytes);

// The 64 lower-case hex digits of `d`, without allocating.
std::array<char, 64> to_hex_digits(const sha256_digest& d) noexcept;
std::string to_hex(const sha256_digest& d);

// The digest whose lower-case hex is `hex`; nullopt unless `hex` is exactly
// 64 lower-case hex digits (so to_hex gives `hex` back).
std::optional<sha256_digest> digest_from_hex(std::string_view hex) noexcept;

}  // namespace payintent
