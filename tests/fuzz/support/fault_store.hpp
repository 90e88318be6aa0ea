// A store decorator that makes the next N calls fail with a transient error
// before they reach the store, as a lost connection would. Built on
// store_wrapper, so it overrides only what can fail.
#pragma once

#include "payintent/idempotency_store.hpp"

#include <cstddef>

namespace payintent::fuzz {

class fault_store final : public store_wrapper {
 public:
  using store_wrapper::store_wrapper;

  // The next `calls` store calls answer `code` and write nothing.
  void fail_next(std::size_t calls, errc code) noexcept {
    pending_ = calls;
    code_ = code;
  }

  result<claim_result> claim(const claim_request& r) override {
    if (trip()) return make_error_code(code_);
    return store_wrapper::claim(r);
  }
  result<write_receipt> commit(const intent_write& w) override {
    if (trip()) return make_error_code(code_);
    return store_wrapper::commit(w);
  }
  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override {
    if (trip()) return make_error_code(code_);
    return store_wrapper::load(t, id);
  }
  result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) override {
    if (trip()) return make_error_code(code_);
    return store_wrapper::list_unresolved(limit);
  }

 private:
  bool trip() noexcept {
    if (pending_ == 0) return false;
    --pending_;
    return true;
  }

  std::size_t pending_ = 0;
  errc code_ = errc::store_unavailable;
};

}  // namespace payintent::fuzz
