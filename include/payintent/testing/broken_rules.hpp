// payintent::testing — rules of the engine a test breaks on purpose, to show
// that its checks would catch the breakage (tests/sim, docs/simulation.md:
// the simulator must find a violation with each). Never for production: a
// broken rule moves money wrongly. With none broken (the default) a rule
// costs one atomic load where it is decided.
#pragma once

#include <cstdint>

namespace payintent::testing {

enum class broken_rule : std::uint8_t {
  none,
  // A fenced-out holder whose network call answered late voids its money
  // unless the snapshot it first read showed the attempt authorized (the
  // rule before issue 19), not judging the intent its late outcome write
  // lands on: it voids money recovery adopted meanwhile.
  late_void_from_snapshot,
  // Recovery voids what its lookup did not find without first recording the
  // decision under its fence: a recoverer paused past its lease between the
  // lookup and the void reverses money a later recoverer adopted.
  void_without_decision,
};

// Breaks `rule` for the whole process (none restores every rule). Thread-safe.
void break_rule(broken_rule rule) noexcept;

// Whether `rule` is broken now. For the engine.
bool rule_broken(broken_rule rule) noexcept;

}  // namespace payintent::testing
