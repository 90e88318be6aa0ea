// payintent::sim — one simulated run: several payment_service instances
// ("servers") over one memory store and one card network, both misbehaving
// as their contracts allow, clients retrying with the same keys, servers
// crashing, restarting and pausing past their leases, recovery passes on
// every server; then the faults stop, the run settles, and the invariants
// (invariants.hpp) are checked. Everything follows the seed.
#pragma once

#include "invariants.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace payintent::sim {

// Rules broken on purpose, to show the simulator catches each
// (docs/simulation.md). The same variants as tools/model/payintent.pml.
enum class broken_variant {
  none,
  no_fence,        // the store takes any holder's write: no fence or version check
  reauthorize,     // recovery's lookup re-sends the authorization instead
  no_void,         // void answers success and reverses nothing
  late_void,       // a fenced-out holder judges its late outcome on its first snapshot
  undecided_void,  // recovery voids without first recording the decision under its fence
};
// nullopt-like: false when `name` names none.
bool parse_broken_variant(std::string_view name, broken_variant& out);
std::string_view to_string(broken_variant v) noexcept;

struct run_options {
  std::uint64_t seed = 1;
  broken_variant broken = broken_variant::none;
};

struct run_result {
  violations found;              // empty: every invariant held
  std::vector<std::string> log;  // what happened, in virtual time
  std::string digest;            // a fingerprint of the log and the final state
};

// Runs one seed to its end. Leaves threads parked (crashed servers): call it
// in a process that exits after it, never twice in one process.
run_result run_simulation(const run_options& options);

}  // namespace payintent::sim
