// retry_storm — after the storm: count what the network and the store hold.
#pragma once

#include "storm/storm_args.hpp"
#include "storm/worker.hpp"

#include <payintent/idempotency_store.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace payintent::storm {

struct verdict {
  std::uint64_t authorizations = 0;   // "authorize" lines in the journal
  std::uint64_t intents = 0;          // distinct intents the keys were answered with
  std::uint64_t succeeded = 0;        // of those, succeeded in the store
  std::uint64_t failed = 0;           // of those, failed in the store
  std::vector<std::string> problems;  // empty: exactly once held

  bool ok() const noexcept { return problems.empty(); }
};

// Reads the journal and, from `store` (after every worker has finished), the
// final state of every key and intent the workers reported. Exactly-once
// holds when every key maps to one intent (in the workers' answers and in the
// store's key record), every journal reference is authorized once and belongs
// to an authorized attempt of one of those intents, and the journal holds as
// many authorizations as there are succeeded intents.
verdict judge(const storm_args& args, const worker_report& merged, idempotency_store& store);

// The one JSON line retry_storm prints.
std::string summary_json(const storm_args& args, const worker_report& merged, const verdict& v,
                         double seconds);

}  // namespace payintent::storm
