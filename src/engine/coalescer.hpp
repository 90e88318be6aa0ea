// In-process coalescing of duplicates (docs/design.md, "Idempotency contract": "in_progress:
// coalesce in-process"). While one call is admitted under (tenant, key), a
// concurrent call with the same key and fingerprint does not go to the store
// at all: it follows the first and receives its admission as a replay, then waits
// for the attempt on its own budget. A call with another fingerprint is left
// alone: the store's claim decides between the two (one wins, the other is
// idempotency_key_reused).
#pragma once

#include "engine/attempt_runner.hpp"
#include "engine/mutation.hpp"
#include "engine/sharded_map.hpp"
#include "payintent/error.hpp"
#include "payintent/ids.hpp"
#include "payintent/records.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace payintent::detail {

// What admitting a mutation (load, decide, the store's claim of its key)
// accepted, before any waiting for the network.
struct admitted {
  tenant_id tenant;  // whose intent the claim acted on
  intent_id id;
  // The caller's answer when attempt_number == 0: the intent as the claim
  // left it, or as loaded for a replay. Empty otherwise: the caller then
  // awaits the attempt's outcome (the attempt's flight keeps the claim's
  // snapshot), so the hand-over moves no intent.
  std::optional<payment_intent> intent;
  int attempt_number = 0;  // the attempt started or replayed; 0 if none
  bool replayed = false;
  attempt_runner::ticket own;  // the dispatcher's ticket; null for everyone else
};

// An admission: accepted, or the error the caller is answered with.
struct admission {
  result<admitted> accepted = make_error_code(errc::busy);
  diagnostics diag;
};

class coalescer {
 public:
  using follower = std::function<void(admission)>;
  enum class role {
    lead,    // be admitted, then publish() the admission
    follow,  // `f` will be called with the leader's admission, as a duplicate's
    alone,   // another fingerprint holds the key here: be admitted, do not publish
  };

  // Moves from `f` only when the role is follow.
  role join(const std::shared_ptr<const mutation>& m, follower& f);

  // Ends the lead: calls every follower (outside the lock, on this thread)
  // with `leader` as a duplicate sees it: replayed, without the ticket.
  void publish(const tenant_id& tenant, const idempotency_key& key, const admission& leader);

 private:
  struct entry {
    std::shared_ptr<const mutation> leader;  // its fingerprint is compared
    std::vector<follower> followers;
  };
  struct slot {
    tenant_id tenant;
    idempotency_key key;
    friend bool operator==(const slot&, const slot&) = default;
  };
  struct slot_hash {
    std::size_t operator()(const slot& s) const noexcept;
  };

  sharded_map<slot, entry, slot_hash> leads_;
};

}  // namespace payintent::detail
