#include "payintent/testing/faulty_store.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <thread>
#include <vector>

namespace payintent::testing {

std::string_view to_string(store_op op) noexcept {
  switch (op) {
    case store_op::claim:
      return "claim";
    case store_op::commit:
      return "commit";
    case store_op::load:
      return "load";
    case store_op::load_key:
      return "load_key";
    case store_op::list_unresolved:
      return "list_unresolved";
    case store_op::audit_trail:
      return "audit_trail";
    case store_op::purge_expired_keys:
      return "purge_expired_keys";
    case store_op::now_ms:
      return "now_ms";
    case store_op::any:
      return "any";
  }
  return "unknown";
}

namespace {
// Per-operation counters, and the last one for store_op::any (all calls).
constexpr std::size_t op_count = static_cast<std::size_t>(store_op::any) + 1;
}

struct faulty_store::state {
  struct armed {
    store_fault fault;
    std::size_t first_call = 0;  // the op's call count when injected
  };
  mutable std::mutex mutex;
  std::vector<armed> faults;
  std::array<std::size_t, op_count> calls{};
  std::size_t fired = 0;
};

faulty_store::faulty_store(idempotency_store& target)
    : store_wrapper(target), state_(std::make_unique<state>()) {
}

faulty_store::~faulty_store() = default;

void faulty_store::inject(const store_fault& fault) {
  std::lock_guard lock(state_->mutex);
  state_->faults.push_back({fault, state_->calls[static_cast<std::size_t>(fault.op)]});
}

void faulty_store::clear() noexcept {
  std::lock_guard lock(state_->mutex);
  state_->faults.clear();
}

std::size_t faulty_store::calls(store_op op) const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->calls[static_cast<std::size_t>(op)];
}

std::size_t faulty_store::faults_fired() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->fired;
}

faulty_store::verdict faulty_store::decide(store_op op) {
  std::lock_guard lock(state_->mutex);
  const std::size_t call = ++state_->calls[static_cast<std::size_t>(op)];
  const std::size_t any_call = ++state_->calls[static_cast<std::size_t>(store_op::any)];
  for (const auto& a : state_->faults) {
    if (a.fault.op != op && a.fault.op != store_op::any) continue;
    const std::size_t counted = a.fault.op == store_op::any ? any_call : call;
    const std::size_t first = a.first_call + static_cast<std::size_t>(std::max(a.fault.nth, 1));
    const bool in_window =
        counted >= first &&
        (a.fault.times <= 0 || counted < first + static_cast<std::size_t>(a.fault.times));
    if (!in_window) continue;
    ++state_->fired;
    return {a.fault.error, a.fault.after_applying, a.fault.delay};
  }
  return {};
}

template <class T, class Forward>
result<T> faulty_store::intercept(store_op op, Forward&& forward) {
  const verdict v = decide(op);
  if (v.delay.count() > 0) std::this_thread::sleep_for(v.delay);
  if (!v.error) return forward();
  if (v.after_applying) (void)forward();
  return make_error_code(*v.error);
}

result<claim_result> faulty_store::claim(const claim_request& r) {
  return intercept<claim_result>(store_op::claim, [&] { return store_wrapper::claim(r); });
}

result<write_receipt> faulty_store::commit(const intent_write& w) {
  return intercept<write_receipt>(store_op::commit, [&] { return store_wrapper::commit(w); });
}

result<std::optional<payment_intent>> faulty_store::load(const tenant_id& t, const intent_id& id) {
  return intercept<std::optional<payment_intent>>(store_op::load,
                                                  [&] { return store_wrapper::load(t, id); });
}

result<std::optional<key_record>> faulty_store::load_key(const tenant_id& t,
                                                         const idempotency_key& k) {
  return intercept<std::optional<key_record>>(store_op::load_key,
                                              [&] { return store_wrapper::load_key(t, k); });
}

result<std::vector<unresolved_attempt>> faulty_store::list_unresolved(std::size_t limit) {
  return intercept<std::vector<unresolved_attempt>>(
      store_op::list_unresolved, [&] { return store_wrapper::list_unresolved(limit); });
}

result<std::vector<audit_entry>> faulty_store::audit_trail(const tenant_id& t,
                                                           const intent_id& id) {
  return intercept<std::vector<audit_entry>>(store_op::audit_trail,
                                             [&] { return store_wrapper::audit_trail(t, id); });
}

result<std::size_t> faulty_store::purge_expired_keys(std::size_t limit) {
  return intercept<std::size_t>(store_op::purge_expired_keys,
                                [&] { return store_wrapper::purge_expired_keys(limit); });
}

result<std::int64_t> faulty_store::now_ms() {
  return intercept<std::int64_t>(store_op::now_ms, [&] { return store_wrapper::now_ms(); });
}

}  // namespace payintent::testing
