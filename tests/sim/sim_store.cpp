#include "sim_store.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

namespace payintent::sim {

struct sim_store::state {
  sim_world_hooks hooks;
  sim_store_options options;

  mutable std::mutex mutex;  // guards what follows
  bool faults = true;
  std::int64_t unreachable_until_ms = 0;  // virtual time; 0: none open
  sim_store_stats stats;
};

// One call's fate. Drawn in a fixed order and number, so a call's draws never
// depend on what the store holds.
struct sim_store::verdict {
  std::optional<errc> refuse;  // answered without forwarding
  std::chrono::milliseconds before{0};
  bool ack_lost = false;
  std::chrono::milliseconds after{0};
};

sim_store::sim_store(idempotency_store& target, sim_world_hooks hooks, sim_store_options options)
    : store_wrapper(target), state_(std::make_unique<state>()) {
  state_->hooks = std::move(hooks);
  state_->options = std::move(options);
  state_->faults = state_->options.faults;
}

sim_store::~sim_store() = default;

void sim_store::set_faults(bool on) {
  std::lock_guard lock(state_->mutex);
  state_->faults = on;
  if (!on) state_->unreachable_until_ms = 0;
}

bool sim_store::faults() const {
  std::lock_guard lock(state_->mutex);
  return state_->faults;
}

sim_store_stats sim_store::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

sim_store::verdict sim_store::decide(bool may_fail) {
  state& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    ++s.stats.calls;
    if (!s.faults) return {};
  }
  const sim_world_hooks& h = s.hooks;
  const sim_store_options& o = s.options;
  const std::int64_t now = h.now_ms();
  const bool opens = sim_chance(h, may_fail ? o.unreachable : 0.0);
  const std::int64_t window = h.uniform(1, std::max<std::int64_t>(o.max_unreachable.count(), 1));
  const bool slow = sim_chance(h, o.latency);
  const std::chrono::milliseconds before = sim_delay(h, o.max_latency);
  const bool busy = sim_chance(h, may_fail ? o.busy : 0.0);
  const bool lost = sim_chance(h, may_fail ? o.ack_lost : 0.0);
  const bool late = sim_chance(h, o.late_answer);
  const std::chrono::milliseconds after = sim_delay(h, o.max_latency);

  verdict v;
  std::lock_guard lock(s.mutex);
  if (may_fail && (now < s.unreachable_until_ms || opens)) {
    if (now >= s.unreachable_until_ms) {
      s.unreachable_until_ms = now + window;
      ++s.stats.windows;
    }
    ++s.stats.unreachable;
    v.refuse = errc::store_unavailable;
    return v;
  }
  if (slow) v.before = before;
  if (busy) {
    v.refuse = errc::busy;
    ++s.stats.busy;
  } else {
    v.ack_lost = lost;
    if (lost) ++s.stats.acks_lost;
    if (late) v.after = after;
  }
  if (slow || v.after.count() > 0) ++s.stats.delayed;
  return v;
}

template <class T, class Forward>
result<T> sim_store::intercept(bool may_fail, Forward&& forward) {
  const verdict v = decide(may_fail);
  if (v.before.count() > 0) state_->hooks.pause(v.before);
  if (v.refuse) return make_error_code(*v.refuse);
  result<T> answer = std::forward<Forward>(forward)();
  if (v.after.count() > 0) state_->hooks.pause(v.after);
  if (v.ack_lost) return make_error_code(errc::store_unavailable);
  return answer;
}

result<claim_result> sim_store::claim(const claim_request& r) {
  return intercept<claim_result>(true, [&] { return target().claim(r); });
}

result<write_receipt> sim_store::commit(const intent_write& w) {
  return intercept<write_receipt>(true, [&] { return target().commit(w); });
}

result<std::optional<payment_intent>> sim_store::load(const tenant_id& t, const intent_id& id) {
  return intercept<std::optional<payment_intent>>(true, [&] { return target().load(t, id); });
}

result<std::optional<key_record>> sim_store::load_key(const tenant_id& t,
                                                      const idempotency_key& k) {
  return intercept<std::optional<key_record>>(true, [&] { return target().load_key(t, k); });
}

result<std::vector<unresolved_attempt>> sim_store::list_unresolved(std::size_t limit) {
  return intercept<std::vector<unresolved_attempt>>(
      true, [&] { return target().list_unresolved(limit); });
}

result<std::vector<audit_entry>> sim_store::audit_trail(const tenant_id& t, const intent_id& id) {
  return intercept<std::vector<audit_entry>>(true, [&] { return target().audit_trail(t, id); });
}

result<std::size_t> sim_store::purge_expired_keys(std::size_t limit) {
  return intercept<std::size_t>(true, [&] { return target().purge_expired_keys(limit); });
}

result<std::int64_t> sim_store::now_ms() {
  return intercept<std::int64_t>(false, [&] { return target().now_ms(); });
}

result<std::vector<requires_action_intent>> sim_store::list_requires_action(std::int64_t before,
                                                                            std::size_t limit) {
  return intercept<std::vector<requires_action_intent>>(
      true, [&] { return target().list_requires_action(before, limit); });
}

result<std::vector<requires_capture_intent>> sim_store::list_requires_capture(
    std::int64_t before, std::size_t limit) {
  return intercept<std::vector<requires_capture_intent>>(
      true, [&] { return target().list_requires_capture(before, limit); });
}

}  // namespace payintent::sim
