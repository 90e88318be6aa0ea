#include "sim_hooks.hpp"

#include <algorithm>

namespace payintent::sim {
namespace {

// The resolution of a probability: one draw in [0, resolution).
constexpr std::int64_t resolution = 1'000'000;

}  // namespace

bool sim_chance(const sim_world_hooks& hooks, double p) {
  const std::int64_t draw = hooks.uniform(0, resolution - 1);
  return static_cast<double>(draw) < std::clamp(p, 0.0, 1.0) * static_cast<double>(resolution);
}

std::size_t sim_pick(const sim_world_hooks& hooks, std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += std::max(w, 0.0);
  const double point = static_cast<double>(hooks.uniform(0, resolution - 1)) / resolution * total;
  double reached = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    reached += weights[i];
    last = i;
    if (point < reached) return i;
  }
  return last;  // rounding at the top end
}

std::chrono::milliseconds sim_delay(const sim_world_hooks& hooks, std::chrono::milliseconds max) {
  const std::int64_t ms = hooks.uniform(0, std::max<std::int64_t>(max.count(), 0));
  return std::chrono::milliseconds{ms};
}

}  // namespace payintent::sim
