#include "payintent/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstddef>
#include <random>

namespace payintent {
namespace {

constexpr std::string_view base62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t intent_id_random_chars = 24;
// The largest multiple of 62 that fits in a byte: bytes at or above it are
// dropped so every character is equally likely (no modulo bias).
constexpr unsigned rejection_bound = 62 * 4;

// Fills `out` from the CSPRNG. RAND_bytes is thread-safe in OpenSSL 3; if it
// ever fails (no entropy source), std::random_device reads the kernel CSPRNG
// on the platforms we build for, so ids stay unguessable.
void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) == 1) return;
  thread_local std::random_device device;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(device());
}

}  // namespace

intent_id generate_intent_id() {
  std::string id = "pi_";
  id.reserve(3 + intent_id_random_chars);
  std::array<unsigned char, 32> buffer{};
  while (id.size() < 3 + intent_id_random_chars) {
    random_bytes(buffer.data(), buffer.size());
    for (unsigned char b : buffer) {
      if (b >= rejection_bound) continue;
      id.push_back(base62[b % 62]);
      if (id.size() == 3 + intent_id_random_chars) break;
    }
  }
  return intent_id(std::move(id));
}

std::string attempt_reference(const intent_id& intent, int number) {
  return intent.str() + "-a" + std::to_string(number);
}

}  // namespace payintent
