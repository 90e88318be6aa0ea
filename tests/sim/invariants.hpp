// payintent::sim — the invariants checked over a run's final state.
//
// Each check reads the store through the idempotency_store interface (load,
// load_key, audit_trail), so it works on any store; pass the undecorated
// store, or a sim_store with faults off. A store read that fails is itself
// reported. Each returns human-readable violations, empty when all hold.
// Which statuses bind, hold money or count as in flight: status_rules.hpp.
#pragma once

#include "sim_network.hpp"

#include "payintent/idempotency_store.hpp"
#include "payintent/status.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace payintent::sim {

// One answer a simulated client received.
struct client_answer {
  std::string tenant;
  std::string key;  // empty for a call that takes none (retrieve)
  std::string op;   // "create", "confirm", "charge", "cancel", "authenticate", "retrieve", ...
  bool ok = false;  // the call answered an intent (not an error)
  std::string intent_id;                          // when ok
  intent_status status = intent_status::created;  // when ok
  std::int64_t at_ms = 0;                         // virtual time of the answer
};

struct intent_ref {
  tenant_id tenant;
  intent_id intent;
};

struct key_ref {
  tenant_id tenant;
  idempotency_key key;
};

using violations = std::vector<std::string>;

// Money: no reference authorized more than once; no intent ever held more
// than one live authorization; succeeded holds exactly one, under its latest
// (authorized) attempt; failed, canceled, created and requires_action hold
// none; no live money under a reference that no listed intent's attempt names.
violations check_money(idempotency_store& store, const sim_network& network,
                       const std::vector<intent_ref>& intents);

// A key answers one intent: every ok answer for a (tenant, key) names the same
// intent, and a stored key record names it too (and an intent that exists).
violations check_keys(idempotency_store& store, const std::vector<key_ref>& keys,
                      const std::vector<client_answer>& answers);

// An ok answer of a binding (terminal) status equals the intent's final status.
violations check_answers(idempotency_store& store, const std::vector<client_answer>& answers);

// Every intent's audit chain is non-empty and verifies.
violations check_audit(idempotency_store& store, const std::vector<intent_ref>& intents);

// No intent is left processing and no attempt init, pending or unknown.
violations check_settled(idempotency_store& store, const std::vector<intent_ref>& intents);

// All of the above, in that order.
violations check_all(idempotency_store& store, const sim_network& network,
                     const std::vector<intent_ref>& intents, const std::vector<key_ref>& keys,
                     const std::vector<client_answer>& answers);

}  // namespace payintent::sim
