// A payment_service on a memory or SQLite store (each on a manual store
// clock) and the fake card network, for the 3-D Secure tests. Test cases are
// templated over the store: TEST_CASE_TEMPLATE(..., Env, memory_env, sqlite_env).
#pragma once

#include "payintent/memory_store.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/sqlite_store.hpp"
#include "payintent/testing/fake_card_network.hpp"
#include "sqlite_fixture.hpp"
#include "support/service_fixture.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

namespace payintent::test {

struct memory_env {
  testing::manual_clock clock;
  std::unique_ptr<idempotency_store> store =
      std::make_unique<memory_store>(memory_store_options{clock.as_function()});
};

struct sqlite_env {
  sqlite_test::temp_dir dir;
  testing::manual_clock clock;
  std::string path = dir.file("three_ds.db");
  std::unique_ptr<idempotency_store> store =
      sqlite_test::must_open(sqlite_test::options_for(path, clock));
};

template <class Env>
struct three_ds_fixture {
  explicit three_ds_fixture(service_options options = test_options(),
                            testing::fake_network_options net = {})
      : network(net), service(*env.store, network, options) {}

  // Charges `amount` with the challenge card; the intent must come back in
  // requires_action with its next_action.
  payment_response challenged(const std::string& key, std::int64_t amount = 4200) {
    charge_params p;
    p.amount = amount;
    p.currency = "EUR";
    p.payment_method = testing::pm_challenge;
    auto r = require_ok(service.charge("acme", key, p));
    REQUIRE(r.intent.status == intent_status::requires_action);
    REQUIRE(r.intent.next_action.has_value());
    return r;
  }

  // What the cardholder's challenge answers for `intent`.
  authenticate_params complete(const payment_intent& intent, const std::string& trans_status) {
    return network.complete_challenge(intent.next_action->three_ds_server_trans_id, trans_status);
  }

  // Completes `intent`'s challenge with `trans_status` and authenticates
  // under `key`; the call must succeed.
  payment_response pass(const std::string& key, const payment_intent& intent,
                        const std::string& trans_status) {
    return require_ok(
        service.authenticate("acme", key, intent.id.str(), complete(intent, trans_status)));
  }

  // The authentication the network received with its last authorization.
  three_ds_authentication last_authentication() {
    const auto sent = network.requests();
    REQUIRE_FALSE(sent.empty());
    REQUIRE(sent.back().authentication.has_value());
    return *sent.back().authentication;
  }

  void advance(std::chrono::milliseconds d) { env.clock.advance(d.count()); }

  Env env;  // first: the store outlives the service
  testing::fake_card_network network;
  payment_service service;
};

}  // namespace payintent::test
