// The async_ forms with every kind of completion token (docs/async.md).
#include "support/service_fixture.hpp"

#include "payintent/audit.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <optional>
#include <thread>

namespace asio = boost::asio;
using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::require_ok;
using payintent::test::service_fixture;

TEST_CASE("callback bound to an io_context: runs there, with the outcome") {
  service_fixture f({.min_latency = 5ms, .max_latency = 20ms});
  asio::io_context io;
  std::optional<payment_response> got;
  std::thread::id ran_on;
  f.service.async_charge("acme", "cb-1", f.card(), nullptr,
                         asio::bind_executor(io, [&](error_code ec, payment_response r) {
                           CHECK_FALSE(ec);
                           ran_on = std::this_thread::get_id();
                           got = std::move(r);
                         }));
  // The operation is outstanding work: run() returns only after the handler.
  io.run();
  REQUIRE(got.has_value());
  CHECK(ran_on == std::this_thread::get_id());
  CHECK(got->intent.status == intent_status::succeeded);
  CHECK_FALSE(got->replayed);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("plain callback: runs on the service's pool, errors through the handler") {
  service_fixture f;
  std::promise<std::pair<error_code, std::thread::id>> done;
  diagnostics diag;
  // Even a validation error, known before the call returns, is delivered
  // from the pool: a handler never runs inside its initiating call.
  f.service.async_charge("acme", "cb-2", f.card(-5), &diag, [&](error_code ec, payment_response) {
    done.set_value({ec, std::this_thread::get_id()});
  });
  auto [ec, ran_on] = done.get_future().get();
  CHECK(ec == errc::invalid_amount);
  CHECK(ran_on != std::this_thread::get_id());
  CHECK(diag.message.find("amount") != std::string::npos);
  CHECK(f.network.authorize_calls() == 0);
}

TEST_CASE("use_future: values and errors") {
  service_fixture f;
  auto charged = f.service.async_charge("acme", "fut-1", f.card(), nullptr, asio::use_future).get();
  CHECK(charged.intent.status == intent_status::succeeded);

  auto loaded =
      f.service.async_retrieve("acme", charged.intent.id.str(), nullptr, asio::use_future).get();
  CHECK(loaded == charged.intent);

  auto trail =
      f.service.async_audit_trail("acme", charged.intent.id.str(), nullptr, asio::use_future).get();
  REQUIRE(trail.size() == 5);
  CHECK(trail.front().event == "intent.created");
  CHECK(trail.back().event == "intent.succeeded");
  CHECK(verify_audit(trail).ok);

  auto other_tenant =
      f.service.async_retrieve("globex", charged.intent.id.str(), nullptr, asio::use_future);
  try {
    other_tenant.get();
    FAIL("another tenant's intent was found");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == errc::not_found);
  }
}

TEST_CASE("use_awaitable: a coroutine creates, confirms, retrieves, cancels") {
  service_fixture f({.min_latency = 5ms, .max_latency = 20ms});
  asio::io_context io;
  bool finished = false;
  auto flow = [&]() -> asio::awaitable<void> {
    create_params c;
    c.amount = 4200;
    c.currency = "usd";
    auto created = co_await f.service.async_create_intent("acme", "co-create", c, nullptr,
                                                          asio::use_awaitable);
    CHECK(created.intent.status == intent_status::created);

    confirm_params p;
    p.payment_method = testing::pm_approve;
    auto confirmed = co_await f.service.async_confirm("acme", "co-confirm", created.intent.id.str(),
                                                      p, nullptr, asio::use_awaitable);
    CHECK(confirmed.intent.status == intent_status::succeeded);

    auto again = co_await f.service.async_confirm("acme", "co-confirm", created.intent.id.str(), p,
                                                  nullptr, asio::use_awaitable);
    CHECK(again.replayed);
    CHECK(again.intent.id == created.intent.id);

    auto other = co_await f.service.async_create_intent("acme", "co-create-2", c, nullptr,
                                                        asio::use_awaitable);
    // Named, not a braced temporary: GCC 12 destroys temporaries of a
    // co_await expression twice.
    cancel_params why;
    why.reason = "abandoned";
    auto canceled = co_await f.service.async_cancel("acme", "co-cancel", other.intent.id.str(), why,
                                                    nullptr, asio::use_awaitable);
    CHECK(canceled.intent.status == intent_status::canceled);

    auto now = co_await f.service.async_retrieve("acme", created.intent.id.str(), nullptr,
                                                 asio::use_awaitable);
    CHECK(now.status == intent_status::succeeded);

    // An error is thrown into the coroutine as system_error.
    try {
      co_await f.service.async_cancel("acme", "co-cancel-2", created.intent.id.str(), why, nullptr,
                                      asio::use_awaitable);
      FAIL("cancelled a succeeded intent");
    } catch (const boost::system::system_error& e) {
      CHECK(e.code() == errc::invalid_state);
    }
    finished = true;
  };
  asio::co_spawn(io, flow(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  CHECK(finished);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("deferred: nothing happens until launched; the arguments were copied") {
  service_fixture f;
  auto op = [&] {
    // Every argument dies before the operation is launched.
    std::string tenant = "acme", key = "deferred-1";
    charge_params p = f.card(777);
    return f.service.async_charge(tenant, key, p, nullptr, asio::deferred);
  }();
  std::this_thread::sleep_for(20ms);
  CHECK(f.network.authorize_calls() == 0);
  CHECK_FALSE(require_ok(f.store.load_key(tenant_id("acme"), idempotency_key("deferred-1"))));

  auto charged = std::move(op)(asio::use_future).get();
  CHECK(charged.intent.status == intent_status::succeeded);
  CHECK(charged.intent.amount.minor_units == 777);
  CHECK(charged.intent.tenant == tenant_id("acme"));
  CHECK(f.network.authorize_calls() == 1);
  auto key = require_ok(f.store.load_key(tenant_id("acme"), idempotency_key("deferred-1")));
  REQUIRE(key.has_value());
  CHECK(key->result.intent == charged.intent.id);
}
