// payintent::testing — a store decorator that injects faults, for tests.
//
//   payintent::memory_store inner;
//   payintent::testing::faulty_store store(inner);
//   store.inject({.op = store_op::commit, .nth = 1, .error = errc::store_unavailable});
//   payintent::payment_service payments(store, network);  // its first commit fails
//
// Built on store_wrapper: every call is forwarded to the wrapped store unless
// a fault matches it. A fault picks one operation and a window of its calls
// (counted from when the fault was injected), and either
//  - fails them before they reach the store (`error`): nothing is written,
//    as the store contract requires of a failed call;
//  - lets them reach the store and then reports `error` anyway
//    (`after_applying`): the write committed but the acknowledgement was lost,
//    as when a connection drops between COMMIT and its reply;
//  - or only delays them (`delay`, with no error).
//
// Thread-safe: faults may be injected while other threads use the store.
// Faults are matched in injection order; the first that matches a call wins.
#pragma once

#include "payintent/idempotency_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace payintent::testing {

// The operations of idempotency_store, for naming what a fault hits.
enum class store_op : std::uint8_t {
  claim,
  commit,
  load,
  load_key,
  list_unresolved,
  audit_trail,
  purge_expired_keys,
  now_ms,
  // Every operation: a fault on `any` counts its window over all calls.
  any,
};
std::string_view to_string(store_op op) noexcept;

struct store_fault {
  store_op op = store_op::commit;
  // The first call hit, 1-based, counted among calls to `op` from the moment
  // the fault is injected. Default: 1 (the next call).
  int nth = 1;
  // How many consecutive calls from the nth are hit; <= 0 means every one
  // from the nth on. Default: 1.
  int times = 1;
  // What the caller hears; nullopt with a delay only slows the call down.
  // Default: errc::store_unavailable.
  std::optional<errc> error = errc::store_unavailable;
  // true: forward the call first (it may commit), then report `error`: a lost
  // acknowledgement. Default: false (fail before reaching the store).
  bool after_applying = false;
  // Slept before the call is forwarded or failed. Default: none.
  std::chrono::milliseconds delay{0};
};

class faulty_store : public store_wrapper {
 public:
  // `target` must outlive this wrapper.
  explicit faulty_store(idempotency_store& target);
  ~faulty_store() override;

  // Adds a fault; it applies to calls that start after this returns.
  void inject(const store_fault& fault);
  // Removes every fault; later calls are forwarded untouched.
  void clear() noexcept;
  // How many calls to `op` this wrapper has seen (faulted or not); `any`:
  // all calls.
  std::size_t calls(store_op op) const noexcept;
  // How many calls a fault has hit (delays included).
  std::size_t faults_fired() const noexcept;

  result<claim_result> claim(const claim_request& r) override;
  result<write_receipt> commit(const intent_write& w) override;
  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override;
  result<std::optional<key_record>> load_key(const tenant_id& t, const idempotency_key& k) override;
  result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) override;
  result<std::vector<audit_entry>> audit_trail(const tenant_id& t, const intent_id& id) override;
  result<std::size_t> purge_expired_keys(std::size_t limit) override;
  result<std::int64_t> now_ms() override;

 private:
  // What to do with one call, decided (and counted) under the lock.
  struct verdict {
    std::optional<errc> error;
    bool after_applying = false;
    std::chrono::milliseconds delay{0};
  };
  verdict decide(store_op op);

  template <class T, class Forward>
  result<T> intercept(store_op op, Forward&& forward);

  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace payintent::testing

template <>
struct fmt::formatter<payintent::testing::store_op> : fmt::formatter<std::string_view> {
  auto format(payintent::testing::store_op op, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::testing::to_string(op), ctx);
  }
};
