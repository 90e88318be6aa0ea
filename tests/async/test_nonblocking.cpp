// No thread of the caller's executor blocks on the store or the network: a
// single-threaded io_context starts a charge, and only its own timers can
// open the store's gate and release the network's answer. Were its thread
// parked in the store or waiting for the network, neither could happen and
// the charge would fail (the gate gives up) or answer processing (the budget).
#include "support/gated_store.hpp"
#include "support/held_network.hpp"
#include "support/service_fixture.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <optional>
#include <thread>

namespace asio = boost::asio;
using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::gated_store;
using payintent::test::held_network;

TEST_CASE("a one-thread io_context keeps running while the store and the network are slow") {
  memory_store store;
  gated_store gate(store);
  held_network network;
  payment_service service(gate, network, payintent::test::test_options());

  asio::io_context io;
  const auto io_thread = std::this_thread::get_id();
  std::optional<result<payment_response>> got;
  bool on_io_thread = false;
  std::size_t claims_seen_from_io = 0;
  int ticks = 0;

  asio::post(io, [&] {
    charge_params p = payintent::test::card_charge(800);
    p.wait_budget = 10s;
    service.async_charge("acme", "slow-everything", p, nullptr,
                         asio::bind_executor(io, [&](error_code ec, payment_response r) {
                           on_io_thread = std::this_thread::get_id() == io_thread;
                           got = ec ? result<payment_response>(ec) : result<payment_response>(r);
                         }));
  });

  // Ticks on the io_context until the charge completes; the store's gate and
  // the network's answer are opened only from here.
  asio::steady_timer ticker(io);
  std::function<void()> tick = [&] {
    ticker.expires_after(5ms);
    ticker.async_wait([&](error_code) {
      ++ticks;
      if (gate.claims() > 0 && claims_seen_from_io == 0) {
        claims_seen_from_io = gate.claims();  // the claim waits at the gate, elsewhere
        gate.open();
      }
      if (network.authorize_calls() > 0) network.release(network_outcome::approved("ntx"));
      if (!got) tick();
    });
  };
  tick();
  io.run();

  REQUIRE(got.has_value());
  REQUIRE(got->has_value());
  CHECK(got->value().intent.status == intent_status::succeeded);
  CHECK(on_io_thread);
  CHECK(claims_seen_from_io == 1);
  CHECK(ticks >= 2);
  CHECK(network.authorize_calls() == 1);
}
