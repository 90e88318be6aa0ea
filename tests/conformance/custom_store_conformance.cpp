// The conformance suite against examples/custom_store/map_store: the worked
// example of docs/adapters.md, proved the way an integrator proves theirs.
#include "map_store.hpp"

#include <payintent/testing/store_conformance.hpp>

#include <doctest/doctest.h>

namespace {

// A fresh, empty store whose clock only the suite moves.
payintent::testing::store_under_test map_store_under_test() {
  payintent::testing::manual_clock clock;
  payintent::testing::store_under_test s;
  s.store = std::make_unique<example::map_store>(example::map_store_options{clock.as_function()});
  s.advance_clock_ms = [clock](std::int64_t ms) { clock.advance(ms); };
  return s;
}

}  // namespace

PAYINTENT_STORE_CONFORMANCE_SUITE("map_store", map_store_under_test())

// The event outbox's cases (event_cases.hpp): map_store keeps no events, so
// each case passes with a warning that says it was skipped.
#include <payintent/testing/conformance/event_cases.hpp>

PAYINTENT_STORE_EVENT_CONFORMANCE_SUITE("map_store", map_store_under_test())
