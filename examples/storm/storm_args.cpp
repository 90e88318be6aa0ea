#include "storm/storm_args.hpp"

#include "common/cli.hpp"

#include <payintent/validation.hpp>

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <string_view>
#include <tuple>

namespace payintent::storm {
namespace {

using cli::bad_value;
using cli::parse_int;

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
  auto split = cli::split_flags(argc, argv);
  if (auto* message = std::get_if<std::string>(&split)) return *message;
  for (auto& [name, value] : std::get<std::vector<cli::flag_value>>(split)) {
    if (name == "--help") {
      args.help = true;
      return args;
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
      if (!n) return bad_value(flag, value, "a whole number in 1..256");
      (flag == "--processes" ? args.processes : args.threads) = *n;
    } else if (flag == "--keys") {
      const auto n = parse_int<int>(value, 1, 1'000'000);
      if (!n) return bad_value(flag, value, "a whole number in 1..1000000");
      args.keys = *n;
    } else if (flag == "--network-latency-ms") {
      const auto range = cli::parse_latency_range(value);
      if (!range) return bad_value(flag, value, "LO-HI in ms, 0 <= LO <= HI <= 60000");
      std::tie(args.min_latency, args.max_latency) = *range;
    } else if (flag == "--journal") {
      if (value.empty()) return bad_value(flag, value, "a file path");
      args.journal = value;
    } else if (flag == "--tenant") {
      diagnostics diag;
      if (!validate_tenant(value, &diag)) return bad_value(flag, value, diag.message);
      args.tenant = value;
    } else if (flag == "--amount") {
      const auto n = parse_int<std::int64_t>(value, 1, 99'999'999);
      if (!n) return bad_value(flag, value, "minor units in 1..99999999");
      args.amount = *n;
    } else if (flag == "--wait-budget-ms") {
      const auto n = parse_int<int>(value, 0, 600'000);
      if (!n) return bad_value(flag, value, "ms in 0..600000");
      args.wait_budget = std::chrono::milliseconds(*n);
    } else if (flag == "--seed") {
      const auto n = parse_int<std::uint64_t>(value, 0, UINT64_MAX);
      if (!n) return bad_value(flag, value, "an unsigned 64-bit number");
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
