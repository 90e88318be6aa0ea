// How often contains_card_number takes honest values for card numbers: N
// values from each generator of tests/support/honest_values.hpp (UUIDs,
// ULIDs, KSUIDs, Snowflakes, timestamps, order keys; dates, phone, order and
// tracking numbers), printed as JSON. Exits 1 when a generator is flagged
// more often than its budget (0 for all but card-shaped values).
#include "common/cli.hpp"
#include "support/honest_values.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace {

constexpr std::string_view usage_text =
    "usage: card_number_matches [--count N] [--seed S]\n"
    "  --count N  values per generator (default 1000000)\n"
    "  --seed S   random seed (default 18)\n";

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 1'000'000;
  std::uint64_t seed = 18;
  using payintent::cli::parse_int;
  const auto exit_code = payintent::cli::parse_flags(
      argc, argv, "card_number_matches", usage_text,
      [&](std::string_view flag, std::string_view value) {
        std::optional<std::uint64_t> n;
        if (flag == "--count" && (n = parse_int<std::uint64_t>(value, 1, 1'000'000'000))) {
          count = *n;
        } else if (flag == "--seed" && (n = parse_int<std::uint64_t>(value, 0, UINT64_MAX))) {
          seed = *n;
        } else {
          return false;
        }
        return true;
      });
  if (exit_code) return *exit_code;

  bool within = true;
  fmt::print("{{\"count\": {}, \"seed\": {}, \"generators\": [", count, seed);
  const char* comma = "";
  for (const auto& g : payintent::test::honest_generators()) {
    const auto start = std::chrono::steady_clock::now();
    const std::size_t matches = payintent::test::false_matches(g, count, seed);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const bool ok = static_cast<double>(matches) <= g.budget * static_cast<double>(count);
    within = within && ok;
    fmt::print(
        "{}\n  {{\"name\": \"{}\", \"use\": \"{}\", \"false_matches\": {}, \"budget\": {}, "
        "\"within_budget\": {}, \"seconds\": {:.2f}}}",
        comma, g.name, g.use, matches, g.budget, ok, took.count());
    comma = ",";
  }
  fmt::print("\n]}}\n");
  return within ? 0 : 1;
}
