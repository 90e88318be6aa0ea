#include "payintent/ids.hpp"

#include <openssl/rand.h>

#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>

namespace payintent {
namespace {

constexpr std::string_view base62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
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
class random_block {
 public:
  // Fills `out` with base62 characters, each from one unbiased byte.
  void fill_base62(char* out, std::size_t n) {
    const unsigned generation = fork_generation.load(std::memory_order_relaxed);
    if (generation != generation_) {
      used_ = bytes_.size();  // drop what the parent process had buffered
      generation_ = generation;
    }
    for (std::size_t filled = 0; filled < n;) {
      if (used_ == bytes_.size()) {
        random_bytes(bytes_.data(), bytes_.size());
        used_ = 0;
      }
      const unsigned char b = bytes_[used_++];
      if (b < rejection_bound) out[filled++] = base62[b % 62];
    }
  }

 private:
  std::array<unsigned char, 512> bytes_{};
  std::size_t used_ = 512;
  unsigned generation_ = ~0u;
};

// "pi_", the time prefix of `ms` (most significant digit first: base62's
// alphabet is in ASCII order, so ids sort by creation time), then the
// random characters `fill` writes.
template <class Fill>
intent_id compose_intent_id(std::uint64_t ms, Fill&& fill) {
  std::array<char, 3 + intent_id_chars> text{'p', 'i', '_'};
  for (std::size_t i = intent_id_time_chars; i-- > 0;) {
    text[3 + i] = base62[ms % 62];
    ms /= 62;
  }
  fill(text.data() + 3 + intent_id_time_chars, intent_id_random_chars);
  return intent_id(std::string(text.data(), text.size()));
}

}  // namespace

intent_id generate_intent_id() {
  thread_local random_block block;
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  return compose_intent_id(ms, [](char* out, std::size_t n) { block.fill_base62(out, n); });
}

intent_id generate_intent_id(std::int64_t unix_ms,
                             const std::function<std::uint64_t()>& random_bits) {
  return compose_intent_id(static_cast<std::uint64_t>(unix_ms), [&](char* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = base62[random_bits() % 62];
  });
}

std::string attempt_reference(const intent_id& intent, int number) {
  const fmt::format_int digits(number);
  std::string reference;
  reference.reserve(intent.str().size() + 2 + digits.size());
  reference.append(intent.str()).append("-a").append(digits.data(), digits.size());
  return reference;  // by name: append's reference return would be copied
}

}  // namespace payintent
