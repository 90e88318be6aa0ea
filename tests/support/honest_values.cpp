#include "support/honest_values.hpp"

#include "payintent/validation.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>

namespace payintent::test {
namespace {

using rng_t = std::mt19937_64;

// Times from 2020-01-01 to 2033-01-01, the span these ids are checked over.
constexpr std::int64_t first_second = 1'577'836'800;
constexpr std::int64_t last_second = 1'988'150'400;

std::uint64_t uniform(rng_t& rng, std::uint64_t lo, std::uint64_t hi) {
  return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
}
std::int64_t unix_ms(rng_t& rng) {
  return static_cast<std::int64_t>(uniform(rng, first_second * 1000, last_second * 1000));
}
std::string digits(rng_t& rng, std::size_t n) {
  std::string s(n, '0');
  for (char& c : s) c = static_cast<char>('0' + uniform(rng, 0, 9));
  return s;
}
std::string pick(rng_t& rng, std::initializer_list<std::string> choices) {
  return *(choices.begin() + uniform(rng, 0, choices.size() - 1));
}

// --- idempotency keys ---

std::string uuid_v4(rng_t& rng) {
  const std::uint64_t hi = (rng() & ~0xf000ULL) | 0x4000ULL;        // version 4
  const std::uint64_t lo = (rng() & ~(3ULL << 62)) | (2ULL << 62);  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffff'ffff'ffffULL);
}
std::string stripe_node(rng_t& rng) {
  return "stripe-node-retry-" + uuid_v4(rng);
}
std::string uuid_upper(rng_t& rng) {
  std::string s = uuid_v4(rng);
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
  return s;
}
std::string uuid_attempt(rng_t& rng) {
  return fmt::format("{}:{}", uuid_v4(rng), uniform(rng, 1, 9));
}

std::string ulid(rng_t& rng) {
  static constexpr std::string_view crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string s(26, '0');
  auto ms = static_cast<std::uint64_t>(unix_ms(rng));
  for (int i = 9; i >= 0; --i, ms >>= 5) s[static_cast<std::size_t>(i)] = crockford[ms & 31];
  for (std::size_t i = 10; i < 26; ++i) s[i] = crockford[rng() & 31];
  return s;
}

// 20 bytes (a 4-byte time from the KSUID epoch, 16 random bytes) in 27
// base62 characters.
std::string ksuid(rng_t& rng) {
  static constexpr std::string_view base62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::array<std::uint8_t, 20> bytes{};
  const auto t = static_cast<std::uint32_t>(unix_ms(rng) / 1000 - 1'400'000'000);
  for (int i = 0; i < 4; ++i) bytes[static_cast<std::size_t>(i)] = (t >> (24 - 8 * i)) & 0xff;
  for (std::size_t i = 4; i < 20; ++i) bytes[i] = rng() & 0xff;
  std::string s(27, '0');
  for (int out = 26; out >= 0; --out) {
    unsigned rem = 0;
    for (auto& b : bytes) {
      const unsigned cur = rem * 256 + b;
      b = static_cast<std::uint8_t>(cur / 62);
      rem = cur % 62;
    }
    s[static_cast<std::size_t>(out)] = base62[rem];
  }
  return s;
}

// Twitter's layout: milliseconds since 2010-11-04 above 22 bits of worker and
// sequence.
std::string snowflake(rng_t& rng) {
  const auto ms = static_cast<std::uint64_t>(unix_ms(rng) - 1'288'834'974'657);
  return fmt::format("{}", (ms << 22) | (rng() & 0x3f'ffff));
}
std::string nanoseconds(rng_t& rng) {
  return fmt::format("{}",
                     static_cast<std::uint64_t>(unix_ms(rng)) * 1'000'000 + rng() % 1'000'000);
}
std::string order_counter(rng_t& rng) {
  return fmt::format("order-{}-{}", unix_ms(rng) / 1000, uniform(rng, 0, 999'999));
}

// --- metadata and descriptions ---

std::string date(rng_t& rng) {
  const auto y = uniform(rng, 1990, 2040), m = uniform(rng, 1, 12), d = uniform(rng, 1, 28);
  const auto h = uniform(rng, 0, 23), mi = uniform(rng, 0, 59), s = uniform(rng, 0, 59);
  switch (uniform(rng, 0, 7)) {
    case 0:
      return fmt::format("{}-{:02}-{:02}", y, m, d);
    case 1:
      return fmt::format("{:02}/{:02}/{}", d, m, y);
    case 2:
      return fmt::format("{:02}.{:02}.{}", d, m, y);
    case 3:
      return fmt::format("{}{:02}{:02}", y, m, d);
    case 4:
      return fmt::format("{}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, h, mi, s);
    case 5:
      return fmt::format("{}{:02}{:02}{:02}{:02}{:02}", y, m, d, h, mi, s);
    case 6:
      return fmt::format("{} {:02} {:02} {:02}:{:02}", y, m, d, h, mi);
    default:
      return fmt::format("delivered {}-{:02}-{:02} {:02}:{:02}:{:02} +0100", y, m, d, h, mi, s);
  }
}

// E.164 and national forms, with each country's number lengths (Germany's
// 11-digit mobiles make 13-digit E.164 numbers that begin 4).
std::string phone(rng_t& rng) {
  struct country {
    const char* code;
    const char* trunk;
    std::size_t min_digits;
    std::size_t max_digits;
  };
  static constexpr country countries[] = {
      {"1", "1", 10, 10},  {"44", "0", 10, 10}, {"49", "0", 10, 11}, {"43", "0", 10, 13},
      {"33", "0", 9, 9},   {"91", "0", 10, 10}, {"55", "0", 10, 11}, {"86", "0", 11, 11},
      {"62", "0", 10, 12}, {"61", "0", 9, 9},   {"7", "8", 10, 10},  {"39", "", 9, 11},
  };
  const country& c = countries[uniform(rng, 0, std::size(countries) - 1)];
  const std::string n = digits(rng, uniform(rng, c.min_digits, c.max_digits));
  switch (uniform(rng, 0, 5)) {
    case 0:
      return fmt::format("+{}{}", c.code, n);
    case 1:
      return fmt::format("+{} {} {}", c.code, n.substr(0, 3), n.substr(3));
    case 2:
      return fmt::format("00{}{}", c.code, n);
    case 3:
      return fmt::format("{}{}", c.trunk, n);
    case 4:
      return fmt::format("+{} {} {} {}", c.code, n.substr(0, 3), n.substr(3, 4), n.substr(7));
    default:
      return fmt::format("({}) {}-{}", n.substr(0, 3), n.substr(3, 3), n.substr(6));
  }
}

std::string order_number(rng_t& rng) {
  const auto y = uniform(rng, 2015, 2035);
  switch (uniform(rng, 0, 7)) {
    case 0:
      return fmt::format("{}-{}-{}", digits(rng, 3), digits(rng, 7), digits(rng, 7));
    case 1:
      return fmt::format("{}-{}-{}", digits(rng, 2), digits(rng, 5), digits(rng, 5));
    case 2:
      return fmt::format("INV-{}-{}", y, digits(rng, 6));
    case 3:
      return fmt::format("SO-{}{}-{}", y, digits(rng, 4), digits(rng, 4));
    case 4:
      return fmt::format("#{}", uniform(rng, 1000, 99'999'999));
    case 5:
      return fmt::format("45{}", digits(rng, 8));
    case 6:
      return fmt::format("{}/{}/{}", y, digits(rng, 2), digits(rng, 6));
    default:
      return fmt::format("Invoice {} of {}", digits(rng, 10), date(rng));
  }
}

// Written as the carriers print them, plain and grouped.
std::string tracking_number(rng_t& rng) {
  static constexpr std::string_view alnum = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
  std::string shipper;
  for (int i = 0; i < 6; ++i) shipper += alnum[uniform(rng, 0, alnum.size() - 1)];
  const std::string usps =
      pick(rng, {"9400", "9205", "9407", "9270", "9303", "9361"}) + digits(rng, 18);
  const std::string in_fours = [&] {
    std::string s;
    for (std::size_t i = 0; i < usps.size(); i += 4) s += (i ? " " : "") + usps.substr(i, 4);
    return s;
  }();
  switch (uniform(rng, 0, 10)) {
    case 0:
      return fmt::format("1Z{}{}{}", shipper, digits(rng, 2), digits(rng, 8));  // UPS
    case 1:
      return fmt::format("1Z {} {} {} {} {}", shipper.substr(0, 3), shipper.substr(3),
                         digits(rng, 2), digits(rng, 4), digits(rng, 4));
    case 2:
      return usps;  // USPS, 22 digits
    case 3:
      return in_fours;  // USPS, in fours
    case 4:
      return "70" + digits(rng, 18);  // USPS certified
    case 5:
      return fmt::format("420{}{}", digits(rng, 5), usps);  // USPS with ZIP
    case 6:
      return digits(rng, 12);  // FedEx Express
    case 7:
      return "96" + digits(rng, 20);  // FedEx Ground 96
    case 8:
      return "00" + digits(rng, 18);  // SSCC (FedEx, DHL)
    case 9:
      return fmt::format("{} {} {}", digits(rng, 2), digits(rng, 4), digits(rng, 4));  // DHL
    default:
      return fmt::format("GM{}", digits(rng, uniform(rng, 16, 20)));  // DHL eCommerce
  }
}

// A FedEx Ground number is 15 bare digits with any first two: those that
// begin 34 or 37 and pass Luhn are American Express numbers.
std::string fedex_ground_15(rng_t& rng) {
  return digits(rng, 15);
}

constexpr honest_generator generators[] = {
    {"uuid_v4", "key", uuid_v4},
    {"uuid_v4_stripe_node", "key", stripe_node},
    {"uuid_v4_upper", "key", uuid_upper},
    {"ulid", "key", ulid},
    {"ksuid", "key", ksuid},
    {"snowflake", "key", snowflake},
    {"unix_nanoseconds", "key", nanoseconds},
    {"order_unix_counter", "key", order_counter},
    {"uuid_attempt", "key", uuid_attempt},
    {"date", "metadata", date},
    {"phone", "metadata", phone},
    {"order_number", "metadata", order_number},
    {"tracking_number", "metadata", tracking_number},
    {"fedex_ground_15", "metadata", fedex_ground_15, 0.004},
};

}  // namespace

std::span<const honest_generator> honest_generators() {
  return generators;
}

std::size_t false_matches(const honest_generator& g, std::size_t count, std::uint64_t seed) {
  rng_t rng(seed);
  std::size_t matches = 0;
  for (std::size_t i = 0; i < count; ++i) matches += contains_card_number(g.make(rng)) ? 1 : 0;
  return matches;
}

}  // namespace payintent::test
