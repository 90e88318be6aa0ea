// The hotel Wi-Fi story (what ./scripts/demo runs).
//
// A guest taps Pay once. The request times out on the hotel's Wi-Fi and the
// app retries: three identical requests, the same idempotency key, within a
// few hundred milliseconds, each landing on a different app server. The three
// servers share one SQLite file; the card network is slow (100-800 ms) and
// does not deduplicate. payintent turns the three requests into one charge.
//
//   usage: hotel_wifi [database-file]      (default: ./payintent-demo.db)
#include <payintent/payintent.hpp>
#include <payintent/sqlite_store.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>

#include "common/cli.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

const auto started = std::chrono::steady_clock::now();
std::mutex print_mutex;

template <class... Args>
void say(fmt::format_string<Args...> format, Args&&... args) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::lock_guard lock(print_mutex);
  fmt::print("[{:>4} ms] {}\n", ms.count(), fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace

int main(int argc, char** argv) {
  const auto exit_code = payintent::cli::no_flags(
      argc, argv, "hotel_wifi",
      "usage: hotel_wifi [database-file]   (default: ./payintent-demo.db)\n", 1);
  if (exit_code) {
    return *exit_code;
  }
  const std::string path = argc > 1 ? argv[1] : "payintent-demo.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);

  auto opened = payintent::sqlite_store::open({.path = path});
  if (!opened) {
    fmt::print(stderr, "cannot open {}: {}\n", path, opened.error().message());
    return 1;
  }
  payintent::idempotency_store& store = *opened.value();
  payintent::testing::fake_card_network network({.min_latency = 100ms, .max_latency = 800ms});

  fmt::print("payintent demo: one tap on hotel Wi-Fi, three app servers, one SQLite file ({})\n",
             path);
  fmt::print("card network: 100-800 ms per call, not idempotent\n\n");

  std::vector<std::unique_ptr<payintent::payment_service>> servers;
  for (int i = 1; i <= 3; ++i) {
    payintent::service_options options;
    options.node_id = fmt::format("server-{}", i);  // names the server in the audit trail
    servers.push_back(std::make_unique<payintent::payment_service>(store, network, options));
  }

  const std::string tenant = "grand-hotel";
  const std::string key = "tap-7f3a9c21-room-412";  // one tap: one key, however often sent
  const payintent::charge_params order{
      .amount = 12900, .currency = "EUR", .payment_method = "pm_card_visa",
      .description = "Room 412, one night"};

  std::atomic<int> replayed{0}, errors{0};
  std::string intent;
  std::vector<std::thread> requests;
  for (int i = 0; i < 3; ++i) {
    requests.emplace_back([&, i] {
      std::this_thread::sleep_for(i * 150ms);  // the app's retries, 150 ms apart
      const std::string server = fmt::format("server-{}", i + 1);
      say("{} <- charge {} key={}{}", server, "129.00 EUR", key, i ? " (retry)" : "");
      payintent::diagnostics diag;
      auto r = servers[static_cast<std::size_t>(i)]->charge(tenant, key, order, &diag);
      if (!r) {
        ++errors;
        say("{} -> error: {} ({})", server, r.error().message(), diag.message);
        return;
      }
      const auto& resp = r.value();
      if (resp.replayed) ++replayed;
      {
        std::lock_guard lock(print_mutex);
        intent = resp.intent.id.str();
      }
      say("{} -> {} {} {}", server, resp.intent.id, resp.intent.status,
          resp.replayed ? "(replayed: the answer of the first request)" : "(new charge)");
    });
  }
  for (auto& t : requests) t.join();
  servers.clear();  // waits for anything still in flight

  auto final_state = store.load(payintent::tenant_id(tenant), payintent::intent_id(intent));
  auto trail = store.audit_trail(payintent::tenant_id(tenant), payintent::intent_id(intent));
  if (errors || !final_state || !final_state.value() || !trail) {
    fmt::print("summary: the demo failed ({} errors)\n", errors.load());
    return 1;
  }
  fmt::print("\naudit trail of {}:\n", intent);
  for (const auto& entry : trail.value()) fmt::print("  {}\n", entry);
  const auto verdict = payintent::verify_audit(trail.value());
  fmt::print("audit chain: {}\n\n", verdict.ok ? "verified" : "BROKEN: " + verdict.reason);

  fmt::print("summary: requests=3 authorizations={} status={} replayed={}\n",
             network.authorizations(), final_state.value()->status, replayed.load());
  return network.authorizations() == 1 && verdict.ok ? 0 : 1;
}
