// Resolves attempts whose outcome is not known: init or unknown after their
// holder's lease expired (a crash, a pause, a timeout), and pending. Never by
// a second authorize: it takes the attempt over under a new fence, asks
// card_network::lookup, and adopts what the network knows; what the network
// does not know is voided (so a late arrival is reversed) and fails,
// retryable; what cannot be learned after the backoff schedule goes to a
// person as requires_review (docs/recovery.md).
#pragma once

#include "engine/committer.hpp"
#include "engine/planner.hpp"
#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/world.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace payintent::detail {

struct recovery_policy {
  std::vector<std::chrono::milliseconds> backoff;  // delays between failed tries
  std::chrono::milliseconds network_timeout{0};    // per lookup or void
};

enum class verdict {
  skipped,      // resolved already, lease still held, or another recoverer won
  adopted,      // the network's outcome was recorded
  voided,       // not found: voided, intent failed and retryable
  retry_later,  // lookup/void failed or still pending: scheduled again
  review,       // handed to a person
};

class reconciler {
 public:
  // `w` times and waits for each lookup and void.
  reconciler(const committer& commits, card_network& network, write_context ctx, world& w,
             recovery_policy policy);

  // Reconciles attempt `number` of the intent if it is unresolved and its
  // lease has expired by the store clock. `why` receives the reason of a
  // retry or review. Errors are store errors; the attempt is then left as it
  // was for a later pass.
  result<verdict> reconcile(const tenant_id& tenant, const intent_id& id, int number,
                            std::string* why = nullptr);

  // True when `intent`'s latest attempt is unresolved and its lease has
  // expired at store time `now_ms` (and no person holds it).
  static bool needs_reconciling(const payment_intent& intent, std::int64_t now_ms) noexcept;
  // True when attempt `a` of `intent` is unresolved, its lease has expired
  // at `now_ms`, and it is the intent's open one: any refund, else the
  // latest attempt (and no person holds it).
  static bool needs_reconciling(const payment_intent& intent, const attempt& a,
                                std::int64_t now_ms) noexcept;

 private:
  result<verdict> settle(const payment_intent& taken, int number, std::uint64_t fence,
                         std::string* why);
  // What earlier passes recorded of attempt `number` in the audit trail,
  // read once a pass: whether one decided to void it, and how many retries
  // (the backoff schedule's position).
  struct recovery_history {
    bool void_decided = false;
    std::size_t retries = 0;
  };
  result<recovery_history> history(const payment_intent& current, int number);
  // Tries again after policy_.backoff[tries], or hands to a person once the
  // schedule is spent.
  result<verdict> later(const payment_intent& current, int number, std::uint64_t fence,
                        std::size_t tries, std::string reason, std::string* why);
  result<verdict> review(const payment_intent& current, int number, std::uint64_t fence,
                         std::string reason, std::string* why);

  const committer& commits_;
  idempotency_store& store_;
  card_network& network_;
  write_context ctx_;
  world& world_;
  recovery_policy policy_;
};

}  // namespace payintent::detail
