// The fixture of the capture, release and refund tests (issue 23): a
// memory store on a manual clock, a fake network, and a service with short
// leases and one recovery retry.
#pragma once

#include "support/service_fixture.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace payintent::test {

struct capture_fixture {
  explicit capture_fixture(testing::fake_network_options net = {})
      : network(std::move(net)), service(store, network, options()) {}

  static service_options options() {
    service_options o = test_options();
    o.attempt_lease = std::chrono::seconds(1);
    o.recovery_backoff = {std::chrono::milliseconds(100)};
    o.network_timeout = std::chrono::seconds(1);
    return o;
  }

  // An intent authorized for `amount` EUR cents and waiting for capture.
  payment_intent authorized(const std::string& key, std::int64_t amount = 1000) {
    charge_params p = card_charge(amount);
    p.capture_method = capture_method::manual;
    auto r = require_ok(service.charge("acme", key, p));
    REQUIRE(r.intent.status == intent_status::requires_capture);
    return r.intent;
  }

  // An intent that received `amount` by a manual capture.
  payment_intent captured(const std::string& key, std::int64_t amount = 1000) {
    auto held = authorized(key, amount);
    auto r = require_ok(service.capture("acme", key + "-capture", held.id.str(), {}));
    REQUIRE(r.intent.status == intent_status::succeeded);
    return r.intent;
  }

  // One recovery pass after every lease has expired.
  recovery_report recover_expired() {
    now += 1001;
    return require_ok(service.recover());
  }

  std::atomic<std::int64_t> now{1'800'000'000'000};
  memory_store store{{.clock = [this] { return now.load(); }}};
  testing::fake_card_network network;
  payment_service service;
};

}  // namespace payintent::test
