// payintent — durable transitions, as told to service_options::on_transition.
//
// Every change the service commits is written with its audit entries in one
// store transaction (docs/design.md, "Audit"). After the commit, the service calls
// the observer once per audit entry it wrote: a webhook sender or a metrics
// exporter sees each transition exactly once per committing service, never a
// transition that did not commit, and never one written by another process.
#pragma once

#include "payintent/ids.hpp"
#include "payintent/records.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string>

namespace payintent {

struct transition {
  tenant_id tenant;
  intent_id intent;
  int attempt_number = 0;    // 0 when the transition is the intent's alone
  std::string event;         // as in the audit entry: "intent.succeeded", "attempt.authorized", ...
  std::string from;          // previous status or state; empty for a creation
  std::string to;            // new status or state
  std::string detail;        // short reason (decline code, review reason); never secrets
  std::int64_t time_ms = 0;  // the store clock at commit
  payment_intent after;      // the intent as the commit left it, attempts included
};

// Called once per durable transition, after its commit, from whichever thread
// committed it (a library thread, or the thread of a synchronous call),
// never while the service holds a lock: the observer may call the service.
// It should be quick; exceptions it throws are caught and ignored.
using transition_observer = std::function<void(const transition&)>;

}  // namespace payintent

// "pi_4Jx... a1 attempt.authorized init->authorized".
template <>
struct fmt::formatter<payintent::transition> : fmt::formatter<std::string_view> {
  auto format(const payintent::transition& t, format_context& ctx) const
      -> format_context::iterator;
};
