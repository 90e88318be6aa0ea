// Two nodes on one store under test (memory, SQLite or PostgreSQL, on a
// manual store clock) and one held_network: `holder` charges and never hears
// back until the test releases its authorization; `recoverer` takes the
// attempt over meanwhile. The holder sees the store through a
// load_hook_store, so a test can slip recovery's commit between the holder's
// read and its write.
#pragma once

#include "support/held_network.hpp"
#include "support/load_hook_store.hpp"

#include "payintent/payment_service.hpp"
#include "payintent/testing/store_conformance.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace payintent::test {

struct late_nodes {
  explicit late_nodes(const testing::store_factory& make) : s(make()), hooked(*s.store) {
    using namespace std::chrono_literals;
    service_options base;
    base.attempt_lease = 1s;
    base.recovery_backoff = {100ms, 200ms};
    base.network_timeout = 1s;
    auto a = base, b = base;
    a.node_id = "holder";
    b.node_id = "recoverer";
    holder.emplace(hooked, network, a);
    recoverer.emplace(*s.store, network, b);
  }
  ~late_nodes() {
    network.release(network_outcome::unknown("test over"));
    holder.reset();
    recoverer.reset();
  }

  // An attempt in init whose holder waits for the network.
  payment_intent stuck_charge() {
    charge_params p{.amount = 5000,
                    .currency = "EUR",
                    .payment_method = "pm_card_visa",
                    .wait_budget = std::chrono::milliseconds(0)};
    auto r = holder->charge("acme", "k", p);
    REQUIRE(r.has_value());
    REQUIRE(r.value().intent.attempts.at(0).state == attempt_state::init);
    return r.value().intent;
  }

  // Past any lease or backoff the test set up.
  void expire() { s.advance_clock_ms(1001); }

  // A stuck charge that recovery takes over (fence 2) but cannot look up
  // yet: it stays init under a short retry lease.
  payment_intent taken_over_unsettled() {
    const auto stuck = stuck_charge();
    expire();
    network.lookup_mode = held_network::mode::fail;
    auto r = recoverer->recover();
    REQUIRE(r.has_value());
    REQUIRE(r.value().retried == 1);
    network.lookup_mode = held_network::mode::answer;
    return stuck;
  }

  // A stuck charge whose authorization is still in transit when recovery
  // looks: not found, voided, intent failed.
  payment_intent voided_by_recovery() {
    network.reaches_network = false;
    const auto stuck = stuck_charge();
    expire();
    auto r = recoverer->recover();
    REQUIRE(r.has_value());
    REQUIRE(r.value().voided == 1);
    return stuck;
  }

  // The holder hears `outcome` and records it (the service's drain waits).
  void wake_holder(const network_outcome& outcome) {
    REQUIRE(network.release(outcome) == 1);
    holder.reset();
  }

  payment_intent now(const payment_intent& i) {
    auto loaded = s.store->load(i.tenant, i.id);
    REQUIRE(loaded.has_value());
    REQUIRE(loaded.value().has_value());
    return *loaded.value();
  }

  std::vector<audit_entry> trail(const payment_intent& i) {
    auto t = s.store->audit_trail(i.tenant, i.id);
    REQUIRE(t.has_value());
    return t.value();
  }

  // The one late_outcome entry of `i`'s trail.
  audit_entry late_entry(const payment_intent& i) {
    const auto t = trail(i);
    REQUIRE(std::count_if(t.begin(), t.end(), [](auto& e) { return e.event == "late_outcome"; }) ==
            1);
    return *std::find_if(t.begin(), t.end(), [](auto& e) { return e.event == "late_outcome"; });
  }

  testing::store_under_test s;
  load_hook_store hooked;
  held_network network;
  std::optional<payment_service> holder, recoverer;
};

}  // namespace payintent::test
