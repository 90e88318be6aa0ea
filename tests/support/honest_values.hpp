// Generators of honest values that must not be taken for card numbers:
// idempotency keys as real clients make them, and what merchants put in
// metadata and descriptions (dates, phone numbers, order and tracking
// numbers). Shared by the unit test (a sample) and bench/card_number_matches
// (10^6 of each). Deterministic: the same seed gives the same values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace payintent::test {

struct honest_generator {
  std::string_view name;
  // "key" or "metadata".
  std::string_view use;
  std::string (*make)(std::mt19937_64& rng);
  // The share of values that may be flagged: 0, except for card-shaped
  // values validation.hpp names (a bare 15-digit FedEx number may be an Amex).
  double budget = 0;
};

std::span<const honest_generator> honest_generators();

// How many of `count` values of `g`, generated from `seed`, contains_card_number
// flags.
std::size_t false_matches(const honest_generator& g, std::size_t count, std::uint64_t seed);

}  // namespace payintent::test
