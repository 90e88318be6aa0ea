// retry_storm — the command line.
#pragma once

#include "storm/store_spec.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace payintent::storm {

struct storm_args {
  store_spec store;
  int processes = 1;
  int threads = 1;
  int keys = 1;
  std::chrono::milliseconds min_latency{0};
  std::chrono::milliseconds max_latency{0};
  std::string journal;  // truncated at the start of the run
  // Default: "storm-<unix ms>", so a rerun against the same file starts clean.
  std::string tenant;
  std::int64_t amount = 1999;  // minor units of EUR
  // Default: the service's default wait budget.
  std::optional<std::chrono::milliseconds> wait_budget;
  // Shuffles the order keys are visited in (the same order for every thread).
  std::uint64_t seed = 1;
  bool help = false;  // --help: print the usage and exit 0
};

// The usage text, for --help and after an argument error.
std::string storm_usage();

// Parses argv. On failure returns a message naming the bad argument.
std::variant<storm_args, std::string> parse_storm_args(int argc, const char* const* argv);

}  // namespace payintent::storm
