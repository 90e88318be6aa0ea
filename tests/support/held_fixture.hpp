// A payment_service on a memory store and a held_network: authorizations
// wait until the test releases them. Whatever is still held at the end is
// released as not_sent, so the service's destructor does not wait forever.
#pragma once

#include "support/held_network.hpp"
#include "support/service_fixture.hpp"

#include <mutex>
#include <vector>

namespace payintent::test {

struct held_fixture {
  explicit held_fixture(service_options options = test_options())
      : service(store, network, with_observer(std::move(options))) {}
  ~held_fixture() { network.release(network_outcome::not_sent("test over")); }

  // Every transition the service told its observer, in order.
  std::vector<transition> transitions() const {
    std::lock_guard lock(mutex);
    return seen;
  }

  memory_store store;
  held_network network;
  mutable std::mutex mutex;
  std::vector<transition> seen;
  payment_service service;

 private:
  service_options with_observer(service_options o) {
    o.on_transition = [this](const transition& t) {
      std::lock_guard lock(mutex);
      seen.push_back(t);
    };
    return o;
  }
};

}  // namespace payintent::test
