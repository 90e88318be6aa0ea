// Async: many charges in flight on one thread, each answered within its wait
// budget while the card network takes 100-400 ms; the attempts that outlive
// the budget finish in the background and the transition observer hears of
// them. docs/async.md walks through it.
#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/cli.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const auto exit_code = payintent::cli::no_flags(
      argc, argv, "async_checkout",
      "usage: async_checkout\n  five checkouts on one thread with the async API\n");
  if (exit_code) {
    return *exit_code;
  }
  payintent::memory_store store;
  payintent::testing::fake_card_network network({.min_latency = 100ms, .max_latency = 400ms});
  std::atomic<int> authorized{0};
  payintent::service_options options;
  options.default_wait_budget = 150ms;  // answer within 150 ms, whatever the network does
  options.on_transition = [&](const payintent::transition& t) {  // webhooks, metrics
    if (t.event == "attempt.authorized") ++authorized;
  };
  payintent::payment_service payments(store, network, options);

  // One coroutine per checkout; each taps twice with the same key.
  auto checkout = [&](int order) -> asio::awaitable<void> {
    const std::string key = fmt::format("order-{}", order);
    payintent::charge_params p{
        .amount = 1000 + order, .currency = "EUR", .payment_method = "pm_card_visa"};
    for (int tap = 1; tap <= 2; ++tap) {
      payintent::diagnostics diag;
      auto [ec, r] = co_await payments.async_charge("acme", key, p, &diag,
                                                    asio::as_tuple(asio::use_awaitable));
      if (ec) {
        fmt::print("{} tap {}: {} ({})\n", key, tap, ec.message(), diag.message);
        continue;
      }
      fmt::print("{} tap {}: {} {}{}\n", key, tap, r.intent.id, r.intent.status,
                 r.replayed ? " (replayed)" : "");
    }
  };

  asio::io_context io;  // one thread serves every checkout
  for (int order = 1; order <= 5; ++order) asio::co_spawn(io, checkout(order), asio::detached);
  io.run();

  // Attempts that outlived the budget are still finishing: wait for them.
  for (int i = 0; i < 200 && authorized < 5; ++i) std::this_thread::sleep_for(10ms);
  fmt::print("authorized: {} of 5 orders; network authorizations: {}\n", authorized.load(),
             network.authorizations());
  return authorized == 5 && network.authorizations() == 5 ? 0 : 1;
}
