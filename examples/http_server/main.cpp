// http_server — a Stripe-compatible HTTP front for payintent (docs/http_server.md).
//
// Wires the pieces: the store named by --store, a simulated card network
// answering in --network-latency-ms, the payment service (called through its async_
// forms), and the HTTP listener on 127.0.0.1. On SIGINT/SIGTERM it drains as
// payment_service.hpp says a server should: stops accepting, answers every
// request already read (idle connections are closed), lets attempts in
// flight record their outcomes, prints "stopped (N authorizations)" and
// exits 0. Exits 2 on bad arguments, 1 when the store cannot be opened or
// the port bound.
#include "http_server/auth.hpp"
#include "http_server/challenge_routes.hpp"
#include "http_server/events_route.hpp"
#include "http_server/metrics.hpp"
#include "http_server/router.hpp"
#include "http_server/server.hpp"
#include "http_server/server_args.hpp"

#include <payintent/payment_service.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/format.h>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  using namespace payintent;
  auto parsed = http::parse_server_args(argc, argv);
  if (auto* message = std::get_if<std::string>(&parsed)) {
    fmt::print(stderr, "http_server: {}\n\n{}", *message, http::server_usage());
    return 2;
  }
  const http::server_args& args = std::get<http::server_args>(parsed);
  if (args.help) {
    fmt::print("{}", http::server_usage());
    return 0;
  }
  http::api_keys keys;
  for (const auto& [key, tenant] : args.api_keys) {
    if (!keys.add(key, tenant)) {
      fmt::print(stderr, "http_server: an --api-key was given twice\n");
      return 2;
    }
  }

  diagnostics diag;
  auto store = storm::open_store(args.store, &diag);
  if (!store) {
    fmt::print(stderr, "http_server: {} ({})\n", diag.message, store.error().message());
    return 1;
  }
  testing::fake_network_options network_options;
  network_options.min_latency = args.min_latency;
  network_options.max_latency = args.max_latency;
  network_options.keep_requests = false;  // a long-running server must not grow with traffic
  testing::fake_card_network network(network_options);

  service_options options;
  options.default_wait_budget = args.wait_budget;
  // On a durable store a call waits for its group's commit, so the pool
  // must hold every call in flight: calls per second times their latency
  // (4,000 writes/s at 15-30 ms each with a disk taking 4 ms per fsync: 60-120).
  options.store_threads = args.store_threads != 0 ? args.store_threads
                          : args.store.kind == storm::store_kind::memory ? 4
                                                                          : 128;
  // A duplicate waiting for a concurrent holder is bounded by the budget too.
  options.key_in_use_wait =
      std::min<std::chrono::milliseconds>(options.key_in_use_wait, args.wait_budget);
  // payintent_authorizations_total counts the durable transitions to
  // authorized this server committed, as the library reports them.
  std::atomic<std::uint64_t> authorizations{0};
  options.on_transition = [&authorizations](const transition& t) {
    if (t.event == "attempt.authorized") authorizations.fetch_add(1, std::memory_order_relaxed);
  };
  options.challenge_expiry = args.challenge_expiry;
  payment_service service(*store.value(), network, options);
  http::metrics stats([&authorizations] { return authorizations.load(); });
  // The issuer's ACS, played here: challenge pages on this server, answered
  // by the fake network's complete_challenge. A link is kept an hour past
  // the window, so the back button still finds a finished challenge.
  http::challenge_tokens tokens(args.challenge_expiry + std::chrono::hours(1));
  http::simulated_acs acs{tokens,
                          [&network](const std::string& trans_id, const std::string& status) {
                            return network.complete_challenge(trans_id, status);
                          },
                          {},
                          args.challenge_expiry};
  http::event_feed events(*store.value());
  // Webhooks from the store's outbox; stopped (joined) before the service.
  std::optional<http::webhook_sender> webhooks;
  if (!args.webhooks.empty()) webhooks.emplace(*store.value(), args.webhooks, args.delivery, stats);
  const http::router_context ctx{keys, service, stats, args.wait_budget, &acs, &events};

  boost::asio::io_context io;
  http::server_limits limits;
  limits.read_timeout = args.read_timeout;
  limits.max_body_bytes = args.max_body_bytes;
  std::optional<http::http_listener> listener;
  try {
    listener.emplace(io, ctx, limits, args.port);
  } catch (const boost::system::system_error& e) {
    fmt::print(stderr, "http_server: cannot listen on 127.0.0.1:{}: {}\n", args.port,
               e.code().message());
    return 1;
  }
  acs.base_url = fmt::format("http://127.0.0.1:{}", listener->port());  // before any request
  listener->start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    // Step 1 of the shutdown order: no new requests. io.run() returns once
    // every connection has answered and ended (each async_ call holds work
    // on `io` until its handler has run).
    listener->stop();
  });
  fmt::print("listening on 127.0.0.1:{}\n", listener->port());
  (void)std::fflush(stdout);

  // Two threads parse and route; the library's blocking work runs on the
  // service's own pool (service_options::store_threads).
  std::vector<std::thread> threads;
  threads.reserve(2);
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });
  for (auto& t : threads) t.join();
  // Step 2: attempts whose callers were answered at the wait budget record
  // their outcomes; then nothing of the library runs.
  service.shutdown();
  webhooks.reset();
  fmt::print("stopped ({} authorizations)\n", network.authorizations());
  return 0;
}
