// A capture paused in transit past its lease (a process stopped mid-call,
// as by SIGSTOP) while recovery takes it over: the money is captured once,
// whether the paused call had not reached the network yet or had, and only
// its answer was held. The pause is a blocking_card_network client that
// blocks in capture().
#include "capture_fixture.hpp"

#include "payintent/audit.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::capture_fixture;
using payintent::test::require_ok;

namespace {

// A blocking client of the fake network (answering inline) whose next
// capture can be paused before it reaches the network or after the network
// carried it out, until resume().
class pausable_client final : public blocking_card_network {
 public:
  enum class pause_at { none, before_network, after_network };

  explicit pausable_client(testing::fake_card_network& fake)
      : blocking_card_network(2), fake_(fake) {}
  ~pausable_client() override {
    resume();
    shutdown();
  }

  void pause_next_capture(pause_at where) {
    std::lock_guard lock(mutex_);
    pause_ = where;
  }
  // Blocks until the paused capture has stopped at its pause.
  void wait_until_paused() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return paused_; });
  }
  void resume() {
    std::lock_guard lock(mutex_);
    pause_ = pause_at::none;
    changed_.notify_all();
  }

 protected:
  network_outcome authorize(const authorization_request& r) override {
    network_outcome out = network_outcome::unknown("the fake did not answer inline");
    fake_.async_authorize(r, [&](network_outcome o) { out = std::move(o); });
    return out;
  }
  result<lookup_result> lookup(const std::string& reference) override {
    return answer(
        [&](card_network::lookup_handler h) { fake_.async_lookup(reference, std::move(h)); });
  }
  result<void> void_authorization(const std::string& reference) override {
    std::optional<error_code> got;
    fake_.async_void(reference, [&](error_code ec) { got = ec; });
    if (!got || *got) return make_error_code(errc::card_network_error);
    return outcome::success();
  }
  result<network_outcome> capture(const follow_up_request& r) override {
    stop_at(pause_at::before_network);
    std::optional<result<network_outcome>> got;
    fake_.async_capture(r, [&](error_code ec, network_outcome o) {
      got = ec ? result<network_outcome>(ec) : result<network_outcome>(std::move(o));
    });
    stop_at(pause_at::after_network);
    return got.value_or(network_outcome::unknown("the fake did not answer inline"));
  }
  result<lookup_result> lookup_follow_up(attempt_kind kind, const std::string& ref) override {
    return answer([&](card_network::lookup_handler h) {
      if (kind == attempt_kind::capture) return fake_.async_lookup_capture(ref, std::move(h));
      if (kind == attempt_kind::release) return fake_.async_lookup_release(ref, std::move(h));
      fake_.async_lookup_refund(ref, std::move(h));
    });
  }

 private:
  template <class Ask>
  static result<lookup_result> answer(Ask ask) {
    std::optional<result<lookup_result>> got;
    ask([&](error_code ec, lookup_result found) {
      got = ec ? result<lookup_result>(ec) : result<lookup_result>(std::move(found));
    });
    return got.value_or(make_error_code(errc::card_network_error));
  }
  // The paused call's thread stays here until resume(), like a stopped process.
  void stop_at(pause_at here) {
    std::unique_lock lock(mutex_);
    if (pause_ != here) return;
    paused_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return pause_ == pause_at::none; });
  }

  testing::fake_card_network& fake_;
  std::mutex mutex_;
  std::condition_variable changed_;
  pause_at pause_ = pause_at::none;
  bool paused_ = false;
};

// A holder node capturing through `client` beside the fixture's service.
struct paused_capture {
  capture_fixture f;
  pausable_client client{f.network};
  payment_service holder{f.store, client, holder_options()};
  ~paused_capture() { client.resume(); }  // before the holder drains its flights

  static service_options holder_options() {
    service_options o = capture_fixture::options();
    o.node_id = "paused-holder";
    return o;
  }

  // The holder's capture of 600 of 1000, paused at `where`; returns the intent.
  payment_intent start(pausable_client::pause_at where) {
    const auto held = f.authorized("order", 1000);
    client.pause_next_capture(where);
    auto r = require_ok(holder.capture("acme", "cap-1", held.id.str(),
                                       {.amount_to_capture = 600, .wait_budget = 0ms}));
    REQUIRE(r.intent.status == intent_status::processing);
    client.wait_until_paused();
    return held;
  }
};

}  // namespace

TEST_CASE("paused capture: not yet at the network when recovery takes over; captured once") {
  paused_capture p;
  const auto held = p.start(pausable_client::pause_at::before_network);
  // Past the holder's lease: nothing under the reference, voided, the hold
  // back in requires_capture; a new capture takes the money.
  CHECK(p.f.recover_expired().voided == 1);
  auto again =
      require_ok(p.f.service.capture("acme", "cap-2", held.id.str(), {.amount_to_capture = 600}));
  CHECK(again.intent.status == intent_status::succeeded);
  // The paused call reaches the network at last: refused, its reference voided.
  p.client.resume();
  p.holder.shutdown();
  CHECK(p.f.network.follow_up_calls(attempt_kind::capture) == 2);
  CHECK(p.f.network.carried_out(attempt_kind::capture) == 1);
  CHECK(p.f.network.amount_carried_out(attempt_kind::capture) == 600);
  const auto now = require_ok(p.f.service.retrieve("acme", held.id.str()));
  CHECK(now.status == intent_status::succeeded);
  CHECK(now.amount_received() == 600);
  CHECK(verify_audit(require_ok(p.f.service.audit_trail("acme", held.id.str()))).ok);
}

TEST_CASE("paused capture: carried out, its answer held, when recovery takes over; adopted once") {
  paused_capture p;
  const auto held = p.start(pausable_client::pause_at::after_network);
  // Recovery's lookup finds the capture and adopts it; a second capture is
  // refused, and the held answer, arriving late, changes nothing.
  CHECK(p.f.recover_expired().adopted == 1);
  CHECK(p.f.service.capture("acme", "cap-2", held.id.str(), {}).error() == errc::invalid_state);
  p.client.resume();
  p.holder.shutdown();
  CHECK(p.f.network.follow_up_calls(attempt_kind::capture) == 1);
  CHECK(p.f.network.carried_out(attempt_kind::capture) == 1);
  const auto now = require_ok(p.f.service.retrieve("acme", held.id.str()));
  CHECK(now.status == intent_status::succeeded);
  CHECK(now.amount_received() == 600);
  CHECK(verify_audit(require_ok(p.f.service.audit_trail("acme", held.id.str()))).ok);
}
