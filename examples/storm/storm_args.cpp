#include "storm/storm_args.hpp"

#include <payintent/validation.hpp>

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <map>
#include <string_view>

namespace payintent::storm {
namespace {

// A whole decimal number in [lo, hi], or nullopt.
template <class Int>
std::optional<Int> parse_int(std::string_view text, Int lo, Int hi) {
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi) {
    return std::nullopt;
  }
  return value;
}

std::string bad(std::string_view flag, std::string_view value, std::string_view expected) {
  return fmt::format("{} '{}': expected {}", flag, value, expected);
}

}  // namespace

std::string storm_usage() {
  return "usage: retry_storm --store memory|sqlite:PATH|postgres:CONNINFO --processes N --threads "
         "M --keys K\n"
         "                   --network-latency-ms LO-HI --journal PATH\n"
         "                   [--tenant T] [--amount A] [--wait-budget-ms W] [--seed S]\n"
         "\n"
         "Forks N processes of M threads; every thread charges each of the K keys\n"
         "(storm-key-0 .. storm-key-<K-1>) once, so each key is sent N x M times.\n"
         "Prints one JSON line; exits 0 when the journal holds exactly one\n"
         "authorization per succeeded intent and every key maps to one intent,\n"
         "1 when not, 2 on bad arguments. --store memory needs --processes 1\n"
         "(a memory store is private to its process). The journal is truncated.\n";
}

std::variant<storm_args, std::string> parse_storm_args(int argc, const char* const* argv) {
  std::map<std::string, std::string, std::less<>> given;
  storm_args args;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      args.help = true;
      return args;
    }
    if (!arg.starts_with("--")) return fmt::format("unexpected argument '{}'", arg);
    std::string name, value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) return fmt::format("{} needs a value", arg);
      name = arg;
      value = argv[++i];
    }
    if (!given.emplace(name, value).second) return fmt::format("{} given twice", name);
  }

  for (const auto& [flag, value] : given) {
    if (flag == "--store") {
      auto spec = parse_store_spec(value);
      if (auto* message = std::get_if<std::string>(&spec)) return *message;
      args.store = std::get<store_spec>(spec);
    } else if (flag == "--processes" || flag == "--threads") {
      const auto n = parse_int<int>(value, 1, 256);
      if (!n) return bad(flag, value, "a whole number in 1..256");
      (flag == "--processes" ? args.processes : args.threads) = *n;
    } else if (flag == "--keys") {
      const auto n = parse_int<int>(value, 1, 1'000'000);
      if (!n) return bad(flag, value, "a whole number in 1..1000000");
      args.keys = *n;
    } else if (flag == "--network-latency-ms") {
      const auto dash = value.find('-');
      const auto lo = parse_int<int>(std::string_view(value).substr(0, dash), 0, 60'000);
      const auto hi = dash == std::string::npos
                          ? lo
                          : parse_int<int>(std::string_view(value).substr(dash + 1), 0, 60'000);
      if (!lo || !hi || *lo > *hi) return bad(flag, value, "LO-HI in ms, 0 <= LO <= HI <= 60000");
      args.min_latency = std::chrono::milliseconds(*lo);
      args.max_latency = std::chrono::milliseconds(*hi);
    } else if (flag == "--journal") {
      if (value.empty()) return bad(flag, value, "a file path");
      args.journal = value;
    } else if (flag == "--tenant") {
      diagnostics diag;
      if (!validate_tenant(value, &diag)) return bad(flag, value, diag.message);
      args.tenant = value;
    } else if (flag == "--amount") {
      const auto n = parse_int<std::int64_t>(value, 1, 99'999'999);
      if (!n) return bad(flag, value, "minor units in 1..99999999");
      args.amount = *n;
    } else if (flag == "--wait-budget-ms") {
      const auto n = parse_int<int>(value, 0, 600'000);
      if (!n) return bad(flag, value, "ms in 0..600000");
      args.wait_budget = std::chrono::milliseconds(*n);
    } else if (flag == "--seed") {
      const auto n = parse_int<std::uint64_t>(value, 0, UINT64_MAX);
      if (!n) return bad(flag, value, "an unsigned 64-bit number");
      args.seed = *n;
    } else {
      return fmt::format("unknown option {}", flag);
    }
  }
  constexpr std::string_view required[] = {"--store", "--processes",          "--threads",
                                           "--keys",  "--network-latency-ms", "--journal"};
  for (const auto flag : required) {
    if (!given.contains(flag)) return fmt::format("missing {}", flag);
  }
  if (!args.store.shared_between_processes() && args.processes > 1) {
    return "--store memory needs --processes 1: each process would have its own memory store, "
           "so exactly-once across processes can only be checked with a shared store (sqlite:PATH)";
  }
  if (args.tenant.empty()) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    args.tenant =
        fmt::format("storm-{}", std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  }
  return args;
}

}  // namespace payintent::storm
