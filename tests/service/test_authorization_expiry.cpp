// Authorization expiry (service_options::authorization_expiry): recovery
// releases an uncaptured hold once it outlived the window on the store's
// clock, once, by the release protocol of cancel.
#include "capture_fixture.hpp"
#include "paused_follow_ups.hpp"

#include "payintent/audit.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using namespace payintent;
using payintent::test::capture_fixture;
using payintent::test::require_ok;

namespace {

constexpr std::int64_t week_ms = 7LL * 24 * 3600 * 1000;

bool has_event(const std::vector<audit_entry>& trail, std::string_view event) {
  return std::any_of(trail.begin(), trail.end(),
                     [&](const audit_entry& e) { return e.event == event; });
}

}  // namespace

TEST_CASE(
    "authorization expiry: recovery releases a hold past the window once, on the store "
    "clock") {
  capture_fixture f;
  CHECK(f.service.options().authorization_expiry == std::chrono::hours(7 * 24));
  const auto held = f.authorized("old", 1000);
  // A declined capture on day 3 changes the intent, not the hold's age.
  f.now += 3 * 24 * 3600 * 1000LL;
  f.network.script_next(attempt_kind::capture, network_outcome::declined("do_not_honor"));
  CHECK(require_ok(f.service.capture("acme", "c1", held.id.str(), {})).intent.status ==
        intent_status::requires_capture);
  const auto fresh = f.authorized("fresh", 500);  // authorized 3 days later
  const auto taken = f.captured("taken", 700);

  f.now += week_ms - 3 * 24 * 3600 * 1000LL - 1;  // 1 ms short of a week for "old"
  CHECK(require_ok(f.service.recover()).holds_expired == 0);
  CHECK(require_ok(f.service.retrieve("acme", held.id.str())).status ==
        intent_status::requires_capture);
  CHECK(f.network.follow_up_calls(attempt_kind::release) == 0);

  f.now += 1;
  CHECK(require_ok(f.service.recover()).holds_expired == 1);
  const auto released = require_ok(f.service.retrieve("acme", held.id.str()));
  CHECK(released.status == intent_status::canceled);
  CHECK(released.cancellation_reason == "abandoned");
  CHECK(released.attempts.back().kind == attempt_kind::release);
  CHECK(released.attempts.back().state == attempt_state::succeeded);
  CHECK(f.network.follow_up_calls(attempt_kind::release) == 1);
  CHECK(f.network.carried_out(attempt_kind::release) == 1);
  CHECK_FALSE(f.network.is_live(held.attempts[0].reference));
  const auto trail = require_ok(f.service.audit_trail("acme", held.id.str()));
  CHECK(has_event(trail, "authorization.expired"));
  CHECK(verify_audit(trail).ok);

  // Later passes find nothing more to release; the others are untouched.
  CHECK(require_ok(f.service.recover()).holds_expired == 0);
  CHECK(f.network.follow_up_calls(attempt_kind::release) == 1);
  CHECK(require_ok(f.service.retrieve("acme", fresh.id.str())).status ==
        intent_status::requires_capture);
  CHECK(require_ok(f.service.retrieve("acme", taken.id.str())).status == intent_status::succeeded);
  f.now += 3 * 24 * 3600 * 1000LL;
  CHECK(require_ok(f.service.recover()).holds_expired == 1);
  CHECK(require_ok(f.service.retrieve("acme", fresh.id.str())).cancellation_reason == "abandoned");
  CHECK(f.network.carried_out(attempt_kind::release) == 2);
}

TEST_CASE(
    "authorization expiry: a recovery paused across its lease while another takes over "
    "releases nothing twice") {
  capture_fixture f;
  test::paused_follow_ups paused(f.network);
  paused.hold(attempt_kind::release);
  service_options a = capture_fixture::options();
  a.node_id = "paused";
  payment_service sleeper(f.store, paused, a);
  const auto held = f.authorized("hold", 1000);
  f.now += week_ms;

  // The paused node writes its release attempt and stops before the
  // release reaches the network.
  CHECK(require_ok(sleeper.recover()).holds_expired == 1);
  auto mid = require_ok(f.service.retrieve("acme", held.id.str()));
  REQUIRE(mid.status == intent_status::processing);
  REQUIRE(mid.attempts.back().kind == attempt_kind::release);
  REQUIRE(mid.attempts.back().state == attempt_state::init);
  const std::string first_release = mid.attempts.back().reference;

  // Its lease expires; the other node takes the release over, finds nothing
  // under it, voids it, and releases the hold by a release of its own.
  const auto report = f.recover_expired();
  CHECK(report.voided == 1);
  CHECK(report.holds_expired == 1);
  const auto after = require_ok(f.service.retrieve("acme", held.id.str()));
  CHECK(after.status == intent_status::canceled);
  CHECK(after.cancellation_reason == "abandoned");
  CHECK(f.network.carried_out(attempt_kind::release) == 1);

  // The paused release arrives at last: refused (its reference was voided),
  // and its sender's outcome is fenced out.
  paused.deliver();
  sleeper.shutdown();
  CHECK(f.network.follow_up_calls(attempt_kind::release) == 2);
  CHECK(f.network.carried_out(attempt_kind::release) == 1);
  CHECK(f.network.carried_out(first_release) == 0);
  const auto last = require_ok(f.service.retrieve("acme", held.id.str()));
  CHECK(last.status == intent_status::canceled);
  CHECK(last.attempts.size() == 3);  // authorization, voided release, release
  CHECK(verify_audit(require_ok(f.service.audit_trail("acme", held.id.str()))).ok);
}

TEST_CASE("authorization expiry: a store without the listing never expires holds") {
  capture_fixture f;
  struct unlisted final : store_wrapper {
    using store_wrapper::store_wrapper;
    result<std::vector<requires_capture_intent>> list_requires_capture(std::int64_t,
                                                                       std::size_t) override {
      return make_error_code(errc::not_supported);
    }
  } plain(f.store);
  payment_service s(plain, f.network, capture_fixture::options());
  const auto held = f.authorized("kept", 1000);
  f.now += 2 * week_ms;
  const auto report = require_ok(s.recover());
  CHECK(report.holds_expired == 0);
  CHECK(report.errors == 0);
  CHECK(require_ok(s.retrieve("acme", held.id.str())).status == intent_status::requires_capture);
}
