// Command-line handling the programs share (examples, bench, test helpers):
// every program prints its usage and exits 0 for --help, and prints the
// usage on stderr and exits 2 for anything it does not understand.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace payintent::cli {

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

// "LO-HI" (or "N" for N-N) in ms, 0 <= LO <= HI <= 60000; nullopt otherwise.
// The form of --network-latency-ms.
inline std::optional<std::pair<std::chrono::milliseconds, std::chrono::milliseconds>>
parse_latency_range(std::string_view text) {
  const auto dash = text.find('-');
  const auto lo = parse_int<int>(text.substr(0, dash), 0, 60'000);
  const auto hi =
      dash == std::string_view::npos ? lo : parse_int<int>(text.substr(dash + 1), 0, 60'000);
  if (!lo || !hi || *lo > *hi) return std::nullopt;
  return std::pair{std::chrono::milliseconds(*lo), std::chrono::milliseconds(*hi)};
}

// "--flag 'value': expected <expected>", for usage errors.
inline std::string bad_value(std::string_view flag, std::string_view value,
                             std::string_view expected) {
  return std::string(flag) + " '" + std::string(value) + "': expected " + std::string(expected);
}

struct flag_value {
  std::string flag;  // "--store"
  std::string value;
};

// argv as "--flag value" and "--flag=value" pairs, in order; "--help" and
// "-h" come back as {"--help", ""}. A message when an argument is not a flag
// or has no value.
inline std::variant<std::vector<flag_value>, std::string> split_flags(int argc,
                                                                      const char* const* argv) {
  std::vector<flag_value> out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.push_back({"--help", {}});
    } else if (!arg.starts_with("--")) {
      return "unexpected argument '" + std::string(arg) + "'";
    } else if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      out.push_back({std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))});
    } else if (i + 1 >= argc) {
      return std::string(arg) + " needs a value";
    } else {
      out.push_back({std::string(arg), argv[++i]});
    }
  }
  return out;
}

// --help: the usage on stdout; the exit code 0.
inline int print_usage(std::string_view usage) {
  std::fwrite(usage.data(), 1, usage.size(), stdout);
  return 0;
}

// A usage error: "<program>: <why>", then the usage, on stderr; the exit code 2.
inline int usage_error(std::string_view program, std::string_view why, std::string_view usage) {
  std::fprintf(stderr, "%.*s: %.*s\n\n", static_cast<int>(program.size()), program.data(),
               static_cast<int>(why.size()), why.data());
  std::fwrite(usage.data(), 1, usage.size(), stderr);
  return 2;
}

// Hands each "--flag value" of argv to `on_flag(flag, value)`, which answers
// false for a flag it does not know or a value it cannot use. The exit code
// for --help (0, usage on stdout) or a usage error (2, usage on stderr), or
// nullopt to go on.
template <class OnFlag>
std::optional<int> parse_flags(int argc, const char* const* argv, std::string_view program,
                               std::string_view usage, OnFlag&& on_flag) {
  auto split = split_flags(argc, argv);
  if (const auto* why = std::get_if<std::string>(&split)) return usage_error(program, *why, usage);
  const auto& flags = std::get<std::vector<flag_value>>(split);
  for (const flag_value& f : flags) {
    if (f.flag == "--help") return print_usage(usage);
  }
  for (const flag_value& f : flags) {
    if (!on_flag(std::string_view(f.flag), std::string_view(f.value))) {
      return usage_error(program, "unknown flag or bad value: " + f.flag + " '" + f.value + "'",
                         usage);
    }
  }
  return std::nullopt;
}

// For a program that takes up to `max_positional` arguments and no flags:
// the exit code for --help (0) or a flag or extra argument (2), or nullopt to
// go on.
inline std::optional<int> no_flags(int argc, const char* const* argv, std::string_view program,
                                   std::string_view usage, int max_positional = 0) {
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return print_usage(usage);
    if (arg.starts_with("-")) {
      return usage_error(program, "unknown flag " + std::string(arg), usage);
    }
    if (++positional > max_positional) {
      return usage_error(program, "unexpected argument '" + std::string(arg) + "'", usage);
    }
  }
  return std::nullopt;
}

}  // namespace payintent::cli
