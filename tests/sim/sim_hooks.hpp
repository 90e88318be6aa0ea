// payintent::sim — what the simulated world lends its components.
//
// The simulator runs every task in virtual time, one at a time, and draws
// every random choice from one seeded source. A component that takes its
// time and its randomness only from these hooks (never a real clock, sleep,
// thread or std::random_device) behaves the same on every run of a seed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace payintent::sim {

// Components call `schedule`, `uniform` and `now_ms` without a lock of their
// own held, and `pause` likewise: a pause lets other tasks run, and one that
// blocked on the component's lock would stop the whole world.
struct sim_world_hooks {
  // Runs fn after `delay` of virtual time, as its own task. Never inline.
  std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)> schedule;
  // Pauses the calling task for `delay` of virtual time (other tasks run meanwhile).
  std::function<void(std::chrono::milliseconds delay)> pause;
  // Uniform random integer in [lo, hi], from the seed.
  std::function<std::int64_t(std::int64_t lo, std::int64_t hi)> uniform;
  // The virtual time now, in ms; it never goes back.
  std::function<std::int64_t()> now_ms;
};

// True with probability p (clamped to [0, 1]). Draws exactly one uniform
// number whatever p is, so changing a probability never shifts the draws
// that follow it.
bool sim_chance(const sim_world_hooks& hooks, double p);

// The index of one of `weights`, picked with probability proportional to its
// weight (negative weights count as zero). Draws exactly one uniform number.
// Precondition: some weight is positive.
std::size_t sim_pick(const sim_world_hooks& hooks, std::span<const double> weights);

// A delay drawn uniformly from [0, max] (0 when max <= 0, still one draw).
std::chrono::milliseconds sim_delay(const sim_world_hooks& hooks, std::chrono::milliseconds max);

}  // namespace payintent::sim
