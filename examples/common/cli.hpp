// Command-line values the example programs share (retry_storm, http_server).
#pragma once

#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

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

}  // namespace payintent::cli
