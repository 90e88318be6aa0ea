// The wait budget (docs/async.md): a confirm or charge completes at the
// outcome or at the budget, whichever is first; a still-running attempt
// finishes in the background and the observer hears of it.
#include "support/held_fixture.hpp"

#include <boost/asio/use_future.hpp>

#include <algorithm>

namespace asio = boost::asio;
using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::budgeted_charge;
using payintent::test::held_fixture;
using payintent::test::require_ok;

namespace {


bool saw(const std::vector<transition>& ts, std::string_view event) {
  return std::any_of(ts.begin(), ts.end(), [&](const transition& t) { return t.event == event; });
}

}  // namespace

TEST_CASE("the budget passes first: processing now, succeeded in the background") {
  held_fixture f;
  // The network holds the authorization until released: only the budget can
  // complete this call.
  auto r = f.service.async_charge("acme", "slow-1", budgeted_charge(50ms), nullptr, asio::use_future).get();
  CHECK(r.intent.status == intent_status::processing);
  CHECK(r.intent.attempts.at(0).state == attempt_state::init);
  CHECK(f.network.authorize_calls() == 1);
  CHECK_FALSE(saw(f.transitions(), "attempt.authorized"));

  // The attempt is still running; its outcome lands after the caller left,
  // and the observer hears of it.
  CHECK(f.network.release(network_outcome::approved("ntx-1")) == 1);
  for (int i = 0; i < 1000 && !saw(f.transitions(), "intent.succeeded"); ++i) {
    std::this_thread::sleep_for(5ms);
  }
  const auto ts = f.transitions();
  CHECK(saw(ts, "attempt.authorized"));
  REQUIRE(saw(ts, "intent.succeeded"));
  CHECK(ts.back().after.status == intent_status::succeeded);
  CHECK(require_ok(f.service.retrieve("acme", r.intent.id.str())).status ==
        intent_status::succeeded);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("the outcome comes first: the call answers it, long before the budget") {
  held_fixture f;
  auto pending = f.service.async_charge("acme", "fast-1", budgeted_charge(std::chrono::hours(1)), nullptr,
                                        asio::use_future);
  // Only the outcome can complete this call: the budget is an hour.
  while (f.network.authorize_calls() == 0) std::this_thread::sleep_for(1ms);
  CHECK(pending.wait_for(20ms) == std::future_status::timeout);
  f.network.release(network_outcome::declined("insufficient_funds"));
  auto r = pending.get();
  CHECK(r.intent.status == intent_status::failed);
  CHECK(r.intent.last_error->decline_code == "insufficient_funds");
}

TEST_CASE("a retry with a longer budget meets the attempt the first left behind") {
  held_fixture f;
  auto first =
      f.service.async_charge("acme", "retry-1", budgeted_charge(10ms), nullptr, asio::use_future).get();
  CHECK(first.intent.status == intent_status::processing);
  auto retry = f.service.async_charge("acme", "retry-1", budgeted_charge(std::chrono::hours(1)), nullptr,
                                      asio::use_future);
  CHECK(retry.wait_for(20ms) == std::future_status::timeout);
  f.network.release(network_outcome::approved());
  auto r = retry.get();
  CHECK(r.replayed);
  CHECK(r.intent.id == first.intent.id);
  CHECK(r.intent.status == intent_status::succeeded);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("confirm has a budget too") {
  held_fixture f;
  create_params c;
  c.amount = 100;
  c.currency = "GBP";
  c.payment_method = testing::pm_approve;
  auto created = f.service.async_create_intent("acme", "c-1", c, nullptr, asio::use_future).get();
  confirm_params p;
  p.wait_budget = 20ms;
  auto r =
      f.service.async_confirm("acme", "c-2", created.intent.id.str(), p, nullptr, asio::use_future)
          .get();
  CHECK(r.intent.status == intent_status::processing);
  f.network.release(network_outcome::approved());
}
