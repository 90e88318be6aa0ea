// The conformance suite against the in-memory store.
#include "payintent/memory_store.hpp"
#include "payintent/testing/store_conformance.hpp"

#include "payintent/testing/conformance/event_cases.hpp"
#include "payintent/testing/conformance/operator_cases.hpp"

#include <doctest/doctest.h>

namespace {

payintent::testing::store_under_test memory_under_test() {
  payintent::testing::manual_clock clock;
  payintent::testing::store_under_test s;
  s.store = std::make_unique<payintent::memory_store>(
      payintent::memory_store_options{clock.as_function()});
  s.advance_clock_ms = [clock](std::int64_t ms) { clock.advance(ms); };
  return s;
}

}  // namespace

PAYINTENT_STORE_CONFORMANCE_SUITE("memory", memory_under_test())
PAYINTENT_STORE_OPERATOR_CONFORMANCE_SUITE("memory", memory_under_test())
PAYINTENT_STORE_EVENT_CONFORMANCE_SUITE("memory", memory_under_test())
