// A store decorator: time every claim and commit of any store by deriving from
// payintent::store_wrapper, which forwards every call you do not override.
// docs/adapters.md quotes the class.
#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>

#include "common/cli.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

// Counts and times claims and commits; thread-safe, as every store must be.
class metrics_store : public payintent::store_wrapper {
 public:
  using store_wrapper::store_wrapper;

  struct counter {
    std::atomic<std::int64_t> calls{0}, errors{0}, micros{0};
  };
  const counter& claims() const { return claims_; }
  const counter& commits() const { return commits_; }

  payintent::result<payintent::claim_result> claim(const payintent::claim_request& r) override {
    return timed(claims_, [&] { return target().claim(r); });
  }
  payintent::result<payintent::write_receipt> commit(const payintent::intent_write& w) override {
    return timed(commits_, [&] { return target().commit(w); });
  }

 private:
  template <class F>
  auto timed(counter& c, F&& call) -> decltype(call()) {
    const auto start = std::chrono::steady_clock::now();
    auto r = call();
    const auto took = std::chrono::steady_clock::now() - start;
    c.micros += std::chrono::duration_cast<std::chrono::microseconds>(took).count();
    ++c.calls;
    if (!r) ++c.errors;
    return r;
  }

  counter claims_, commits_;
};

int main(int argc, char** argv) {
  const auto exit_code = payintent::cli::no_flags(
      argc, argv, "metrics_store",
      "usage: metrics_store\n  a store decorator that counts and times every store call\n");
  if (exit_code) {
    return *exit_code;
  }
  payintent::memory_store memory;
  metrics_store store(memory);  // the service sees only the decorator
  payintent::testing::fake_card_network network;
  payintent::payment_service payments(store, network);

  payintent::charge_params order;
  order.amount = 1999;
  order.currency = "EUR";
  order.payment_method = "pm_card_visa";
  for (int n = 1; n <= 3; ++n) {
    for (int tap = 1; tap <= 2; ++tap) {  // every order retried once: a replay
      auto r = payments.charge("acme-hotels", fmt::format("order-{}", n), order);
      if (!r) return 1;
    }
  }
  auto report = [](const char* name, const metrics_store::counter& c) {
    fmt::print("{}: {} calls, {} errors, {} us in the store\n", name, c.calls.load(),
               c.errors.load(), c.micros.load());
  };
  report("claim", store.claims());
  report("commit", store.commits());
  fmt::print("authorizations: {}\n", network.authorizations());
  return network.authorizations() == 3 ? 0 : 1;
}
