// payintent::sim — a store decorator that misbehaves in virtual time.
//
// Wraps any store (in the simulator, a memory_store on the virtual clock) and,
// while faults are on, draws per call from the world's `uniform`:
//  - unreachable: the call opens a window of virtual time (1 ms to
//    max_unreachable) during which every call answers errc::store_unavailable
//    without reaching the store;
//  - latency: `pause` 0-max_latency before forwarding;
//  - busy: answer errc::busy without forwarding;
//  - ack lost: forward (a write commits), then answer
//    errc::store_unavailable, as when a connection drops after COMMIT;
//  - late answer: `pause` 0-max_latency after forwarding, before answering.
// A refused call writes nothing, as the store contract requires; only a lost
// acknowledgement answers an error for a call that took effect, which the
// contract's "transient trouble" covers from the caller's side. now_ms is
// only ever delayed. Faults off: every call is forwarded untouched, without
// drawing.
//
// Deterministic given the same `uniform` results. Thread-safe; no hook is
// called while its mutex is held, and the mutex is never held across the
// forwarded call.
#pragma once

#include "sim_hooks.hpp"

#include "payintent/idempotency_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace payintent::sim {

struct sim_store_options {
  // How often a call is delayed before forwarding, and after it (a late
  // answer); each delay is 0-max_latency. Default: 0.2, 0.05, 100 ms.
  double latency = 0.2;
  double late_answer = 0.05;
  std::chrono::milliseconds max_latency{100};
  // How often a call answers errc::busy unforwarded. Default: 0.03.
  double busy = 0.03;
  // How often a forwarded call's acknowledgement is lost. Default: 0.02.
  double ack_lost = 0.02;
  // How often a call opens an unreachable window, and its longest length.
  // Default: 0.003, 2 s.
  double unreachable = 0.003;
  std::chrono::milliseconds max_unreachable{2000};
  // Whether faults are drawn at all; see set_faults. Default: true.
  bool faults = true;
};

// What the decorator did, counted over every call.
struct sim_store_stats {
  std::size_t calls = 0;
  std::size_t delayed = 0;  // latency or late answer, or both
  std::size_t busy = 0;
  std::size_t acks_lost = 0;
  std::size_t unreachable = 0;  // calls refused inside a window
  std::size_t windows = 0;      // windows opened
};

class sim_store : public store_wrapper {
 public:
  // `target` must outlive the wrapper.
  sim_store(idempotency_store& target, sim_world_hooks hooks, sim_store_options options = {});
  ~sim_store() override;

  // Turns faults on or off for calls that start after it. Turning them off
  // also closes an open unreachable window.
  void set_faults(bool on);
  bool faults() const;
  sim_store_stats stats() const;

  result<claim_result> claim(const claim_request& r) override;
  result<write_receipt> commit(const intent_write& w) override;
  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override;
  result<std::optional<key_record>> load_key(const tenant_id& t, const idempotency_key& k) override;
  result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) override;
  result<std::vector<audit_entry>> audit_trail(const tenant_id& t, const intent_id& id) override;
  result<std::size_t> purge_expired_keys(std::size_t limit) override;
  result<std::int64_t> now_ms() override;
  result<std::vector<requires_action_intent>> list_requires_action(std::int64_t before,
                                                                   std::size_t limit) override;
  result<std::vector<requires_capture_intent>> list_requires_capture(std::int64_t before,
                                                                     std::size_t limit) override;

 private:
  struct state;
  struct verdict;

  // Draws and decides one call's fate.
  verdict decide(bool may_fail);

  template <class T, class Forward>
  result<T> intercept(bool may_fail, Forward&& forward);

  std::unique_ptr<state> state_;
};

}  // namespace payintent::sim
