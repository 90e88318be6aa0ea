// A mutating call, validated and with its arguments copied, ready to run
// synchronously or asynchronously (docs/design.md, "Idempotency contract").
#pragma once

#include "engine/planner.hpp"
#include "payintent/card_network.hpp"
#include "payintent/records.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace payintent::detail {

// Everything that varies between the mutating operations; the service's
// claim does the rest.
struct mutation {
  operation op{};
  tenant_id tenant;
  idempotency_key key;
  std::string fingerprint;  // at current_fingerprint_version
  // The fingerprint in another encoding version, for keys stored before.
  std::function<std::string(int version)> fingerprint_at;
  std::optional<intent_id> target;  // loaded before deciding; nullopt for a new intent
  std::function<plan(const payment_intent* current)> decide;
  std::chrono::milliseconds wait_budget{0};
  // Sent with the attempt the plan starts (authenticate only); held in
  // memory for that one authorization, never stored.
  std::optional<three_ds_authentication> authentication;
  // What fingerprint_at and decide point into, kept alive with them: they
  // capture a plain pointer, which std::function holds without allocating.
  std::shared_ptr<const void> captured;
};

}  // namespace payintent::detail
