// A payment_service on a memory store and a fake network, for tests.
#pragma once

#include "payintent/memory_store.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/testing/fake_card_network.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace payintent::test {

inline service_options test_options() {
  service_options o;
  o.node_id = "test-node";
  return o;
}

// A charge of `amount` EUR cents with test token `pm`.
inline charge_params card_charge(std::int64_t amount = 1999, std::string pm = testing::pm_approve) {
  charge_params p;
  p.amount = amount;
  p.currency = "EUR";
  p.payment_method = std::move(pm);
  return p;
}

// card_charge(2500) waiting at most `budget` for its outcome.
inline charge_params budgeted_charge(std::chrono::milliseconds budget) {
  charge_params p = card_charge(2500);
  p.wait_budget = budget;
  return p;
}

struct service_fixture {
  explicit service_fixture(testing::fake_network_options net = {},
                           service_options options = test_options())
      : network(net), service(store, network, options) {}

  charge_params card(std::int64_t amount = 1999, std::string pm = testing::pm_approve) {
    return card_charge(amount, std::move(pm));
  }

  memory_store store;
  testing::fake_card_network network;
  payment_service service;
};

// Fails the test with the diagnostics when `r` holds an error; returns the
// value by value, so `for (auto& x : require_ok(store.f()))` never dangles.
template <class T>
T require_ok(result<T> r, const diagnostics& diag = {}) {
  if (!r) FAIL_CHECK(r.error().message() << " / " << diag.message);
  REQUIRE(r.has_value());
  return std::move(r).value();
}

}  // namespace payintent::test
