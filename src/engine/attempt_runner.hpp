// Drives attempts through the card network and records their outcomes.
//
// The claim has already written the attempt in init under its fence; the
// runner calls authorize once, then records the outcome fenced, retrying
// version conflicts and transient store errors. If it cannot record (the
// store stays away), the attempt keeps its init state and its lease expires:
// recovery reconciles it by lookup, never by a second authorize.
//
// Callers wait for an attempt through `await`, which meets an attempt in
// flight in this process directly and otherwise polls the store, so retries
// on other threads, services or processes learn the outcome the same way.
#pragma once

#include "engine/planner.hpp"
#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace payintent::detail {

class attempt_runner {
 public:
  using clock = std::chrono::steady_clock;

  struct flight;
  // What dispatch hands its caller, so it meets its own attempt even when the
  // outcome was recorded before it started waiting.
  using ticket = std::shared_ptr<flight>;

  attempt_runner(idempotency_store& store, card_network& network, write_context ctx);
  ~attempt_runner();  // waits for every dispatched attempt to finish recording

  // Sends attempt `number` of `intent` (as committed) and records its outcome
  // in the background. When authorize throws, `error` (if given) receives
  // errc::card_network_error once the attempt is recorded as unknown.
  ticket dispatch(const payment_intent& intent, int number,
                  std::optional<three_ds_authentication> authentication = std::nullopt);

  // Waits until attempt `number` has left init or `deadline` passes, and
  // returns the intent as it is then. `own` is the caller's ticket when it
  // dispatched the attempt; when authorize threw, that caller (only) gets
  // errc::card_network_error, with the reason in `diag`.
  result<payment_intent> await(const tenant_id& tenant, const intent_id& id, int number,
                               clock::time_point deadline, diagnostics* diag,
                               const ticket& own = nullptr);

 private:

  std::shared_ptr<flight> find(const std::string& reference);
  void callback_threw(const std::shared_ptr<flight>& f, std::string why);
  void record(const std::shared_ptr<flight>& f, const network_outcome& outcome);
  void record_late(const payment_intent& current, const flight& f, const network_outcome& outcome);
  void finish(const std::shared_ptr<flight>& f, std::optional<payment_intent> final_intent);

  idempotency_store& store_;
  card_network& network_;
  write_context ctx_;

  std::mutex mutex_;
  std::condition_variable idle_;
  std::unordered_map<std::string, std::shared_ptr<flight>> flights_;  // by reference
};

}  // namespace payintent::detail
