// Shutting down (payment_service.hpp, "Shutting down"): shutdown() refuses
// new calls, waits for the ones in progress and for attempts in flight; an
// io_context destroyed under pending operations drops their handlers unrun
// instead of being touched after it is gone (run under ASan by
// scripts/sanitize, which turns a touch into a failure).
#include "support/held_fixture.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

namespace asio = boost::asio;
using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::budgeted_charge;
using payintent::test::held_fixture;
using payintent::test::require_ok;

namespace {


void wait_for_calls(const payintent::test::held_network& n, std::size_t calls) {
  for (int i = 0; i < 6000 && n.authorize_calls() < calls; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(n.authorize_calls() == calls);
}

}  // namespace

TEST_CASE("shutdown: new calls are refused as retryable, attempts in flight are recorded") {
  held_fixture f;
  // Answered at its budget; the attempt goes on in the background.
  auto r =
      f.service.async_charge("acme", "before", budgeted_charge(20ms), nullptr, asio::use_future).get();
  REQUIRE(r.intent.status == intent_status::processing);

  std::atomic<bool> returned{false};
  std::thread stopping([&] {
    f.service.shutdown();
    returned = true;
  });
  // shutdown() waits for the attempt: it cannot return while it is held.
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(returned.load());
  diagnostics diag;
  auto refused = f.service.charge("acme", "after", budgeted_charge(1s), &diag);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == errc::shutting_down);
  CHECK(http_status(refused.error()) == 503);
  CHECK(is_retryable(refused.error()));
  CHECK(diag.message.find("shutting down") != std::string::npos);
  std::promise<error_code> refused_async;
  f.service.async_charge("acme", "after-async", budgeted_charge(1s), nullptr,
                         [&](error_code ec, payment_response) { refused_async.set_value(ec); });
  CHECK(refused_async.get_future().get() == errc::shutting_down);
  CHECK(f.service.retrieve("acme", r.intent.id.str()).error() == errc::shutting_down);

  CHECK(f.network.release(network_outcome::approved("ntx-1")) == 1);
  stopping.join();
  CHECK(returned.load());
  // Recorded before shutdown returned: the store says so, nothing is left
  // for recovery, and the refused keys claimed nothing.
  auto stored = require_ok(f.store.load(tenant_id("acme"), r.intent.id));
  REQUIRE(stored);
  CHECK(stored->status == intent_status::succeeded);
  CHECK(require_ok(f.store.list_unresolved(10)).empty());
  CHECK(f.network.authorize_calls() == 1);
  f.service.shutdown();  // idempotent
}

TEST_CASE("shutdown: every async handler is handed over before it returns") {
  held_fixture f;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  constexpr int n = 20;
  std::atomic<int> answered{0};
  for (int i = 0; i < n; ++i) {
    f.service.async_charge(
        "acme", fmt::format("k-{}", i), budgeted_charge(1h), nullptr,
        asio::bind_executor(asio::make_strand(io), [&](error_code ec, payment_response) {
          CHECK_FALSE(ec);
          ++answered;
        }));
  }
  wait_for_calls(f.network, n);
  std::thread stopping([&] { f.service.shutdown(); });
  std::this_thread::sleep_for(20ms);
  CHECK(answered.load() == 0);  // an hour's budget: only the outcomes can answer
  f.network.release(network_outcome::approved("ntx"));
  stopping.join();
  // Handed over means queued on `io` or run there; a drained io_context has
  // run them all.
  work.reset();
  runner.join();
  CHECK(answered.load() == n);
}

TEST_CASE("an io_context destroyed under pending operations drops their handlers unrun") {
  held_fixture f;
  constexpr int n = 16;
  std::atomic<int> ran{0};
  auto alive = std::make_shared<int>(0);  // owned by every handler: destroyed means freed
  std::weak_ptr<int> watch = alive;
  {
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    for (int i = 0; i < n; ++i) {
      f.service.async_charge(
          "acme", fmt::format("gone-{}", i), budgeted_charge(1h), nullptr,
          asio::bind_executor(asio::make_strand(io),
                              [&ran, alive](error_code, payment_response) { ++ran; }));
    }
    alive.reset();
    wait_for_calls(f.network, n);
    // The embedder's mistake: stop and destroy the context while the
    // operations are pending (their attempts still held by the network).
    io.stop();
    runner.join();
  }
  CHECK(watch.expired());  // the handlers were destroyed with their context
  // The outcomes arrive afterwards: recorded, handed to nobody.
  CHECK(f.network.release(network_outcome::approved("ntx")) == n);
  f.service.shutdown();
  CHECK(ran.load() == 0);
  CHECK(require_ok(f.store.list_unresolved(100)).empty());
}
