#include "payintent/ids.hpp"

#include <openssl/rand.h>

#include <pthread.h>

#include <array>
#include <atomic>
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

// Bumped in the child of every fork, so a forked process never reuses random
// bytes its parent had already buffered (two processes minting one id).
std::atomic<unsigned> fork_generation{0};
const int fork_handler_installed =
    pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });

// Random bytes drawn from the CSPRNG in blocks: one RAND_bytes call serves
// about sixteen ids instead of one.
unsigned char next_random_byte() {
  struct block {
    std::array<unsigned char, 512> bytes{};
    std::size_t used = 512;
    unsigned generation = ~0u;
  };
  thread_local block b;
  const unsigned generation = fork_generation.load(std::memory_order_relaxed);
  if (b.used == b.bytes.size() || b.generation != generation) {
    random_bytes(b.bytes.data(), b.bytes.size());
    b.used = 0;
    b.generation = generation;
  }
  return b.bytes[b.used++];
}

}  // namespace

intent_id generate_intent_id() {
  std::string id = "pi_";
  id.reserve(3 + intent_id_random_chars);
  while (id.size() < 3 + intent_id_random_chars) {
    const unsigned char b = next_random_byte();
    if (b < rejection_bound) id.push_back(base62[b % 62]);
  }
  return intent_id(std::move(id));
}

std::string attempt_reference(const intent_id& intent, int number) {
  const fmt::format_int digits(number);
  std::string reference;
  reference.reserve(intent.str().size() + 2 + digits.size());
  reference.append(intent.str()).append("-a").append(digits.data(), digits.size());
  return reference;  // by name: append's reference return would be copied
}

}  // namespace payintent
