// A store that runs a test's step right after its next load returns, before
// the caller acts on what it loaded: makes "someone else commits between
// your read and your write" an exact, repeatable interleaving.
#pragma once

#include "payintent/idempotency_store.hpp"

#include <functional>
#include <mutex>
#include <utility>

namespace payintent::test {

class load_hook_store final : public store_wrapper {
 public:
  using store_wrapper::store_wrapper;

  // `step` runs once, on the loading thread, after the next load (of any
  // intent) has read the store and before it returns.
  void after_next_load(std::function<void()> step) {
    std::lock_guard lock(mutex_);
    step_ = std::move(step);
  }

  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override {
    auto loaded = target().load(t, id);
    std::function<void()> step;
    {
      std::lock_guard lock(mutex_);
      step.swap(step_);
    }
    if (step) step();
    return loaded;
  }

 private:
  std::mutex mutex_;
  std::function<void()> step_;
};

}  // namespace payintent::test
