// A fenced-out writer's outcome (docs/recovery.md): the holder's network call
// answered after its lease expired and recovery took the attempt over, so the
// holder may no longer write the attempt. It must not drop money, nor void
// money someone adopted: each try judges the intent it is about to commit on
// (judge_late_outcome) and commits under that intent's version, so the
// judgement and the late_outcome entry stand or fall together. Only an
// unadopted attempt (voided, failed: states it never leaves) is voided, and
// then checked by lookup; money that stays live sends the intent to
// requires_review instead of leaving it failed.
#pragma once

#include "engine/committer.hpp"
#include "engine/planner.hpp"
#include "payintent/card_network.hpp"
#include "payintent/world.hpp"

#include <chrono>

namespace payintent::detail {

struct late_outcome_context {
  const committer& commits;
  card_network& network;
  const write_context& ctx;
  payintent::world& world;                    // sleeps, and waits for void and lookup
  std::chrono::milliseconds network_timeout;  // per void or lookup
  int tries = 12;                             // commits tried, with backoff
};

// Records `outcome`, which attempt `number` got under `fence` after being
// fenced out, starting from `current` as last loaded. Blocks on the store and,
// for an unadopted authorization, on the network. Gives up after `tries`
// (the store stays away): the network's own record is then the trail.
void record_late_outcome(const late_outcome_context& c, const payment_intent& current, int number,
                         std::uint64_t fence, const network_outcome& outcome);

}  // namespace payintent::detail
