// payintent_bench: library time per charge against an instant fake network.
//
//   payintent_bench --store memory|sqlite:PATH|postgres:CONNINFO --threads N --seconds S
//                   [--charges C]
//
// Every thread charges distinct keys as fast as it can for S seconds (or,
// with --charges, until C charges are done in all: a fixed amount of work,
// for instruction counts under callgrind); the program prints one JSON line
// with throughput and per-charge latency.
#include "bench_support.hpp"
#include "common/cli.hpp"

#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct config {
  std::string store = "memory";
  int threads = 2;
  double seconds = 5;
  std::int64_t charges = 0;  // 0: run for `seconds`
};

constexpr std::string_view usage_text =
    "usage: payintent_bench [--store memory|sqlite:PATH|postgres:CONNINFO] [--threads N]\n"
    "                       [--seconds S] [--charges N]\n"
    "  charges on the store from N threads for S seconds (default: memory, 2, 5),\n"
    "  or N charges in all; prints the throughput and latencies as JSON\n";

int usage(const char* why) {
  return payintent::cli::usage_error("payintent_bench", why, usage_text);
}

using payintent::bench::open_store;

double percentile(std::vector<std::int64_t>& v, double q) {
  return payintent::bench::percentile(v, q, 1000.0);  // nanoseconds -> microseconds
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  using payintent::cli::parse_int;
  const auto exit_code = payintent::cli::parse_flags(
      argc, argv, "payintent_bench", usage_text,
      [&](std::string_view flag, std::string_view value) {
        if (flag == "--store") {
          c.store = value;
        } else if (flag == "--threads") {
          c.threads = parse_int<int>(value, 1, 4096).value_or(0);
        } else if (flag == "--seconds") {
          c.seconds = std::atof(std::string(value).c_str());
        } else if (flag == "--charges") {
          c.charges = parse_int<std::int64_t>(value, 0, INT64_MAX).value_or(-1);
          return c.charges >= 0;
        } else {
          return false;
        }
        return true;
      });
  if (exit_code) return *exit_code;
  if (c.threads < 1 || c.seconds <= 0) return usage("threads and seconds must be positive");
  auto store = open_store(c.store, static_cast<std::size_t>(c.threads));
  if (!store) return usage("unknown or unopenable store");

  // Zero latency: completes inline. Keeps no request copies, so the run
  // measures the library and the store, not the fake's own memory.
  payintent::testing::fake_card_network network({.keep_requests = false});
  payintent::service_options options;
  options.node_id = "bench";
  payintent::payment_service service(*store, network, options);

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> errors{0};
  std::vector<std::vector<std::int64_t>> latencies(static_cast<std::size_t>(c.threads));
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < c.threads; ++t) {
    workers.emplace_back([&, t] {
      // Filled locally and handed over at the end: the threads' vectors sit
      // side by side in `latencies`, and writing them there would bounce
      // one cache line between the cores on every charge.
      std::vector<std::int64_t> mine;
      mine.reserve(1 << 20);
      const payintent::charge_params p{
          .amount = 1999, .currency = "EUR", .payment_method = "pm_card_visa"};
      std::string key;
      const std::int64_t quota = c.charges > 0 ? c.charges / c.threads : INT64_MAX;
      for (std::int64_t n = 0; n < quota && !stop.load(std::memory_order_relaxed); ++n) {
        key = fmt::format("bench-{}-{}", t, n);
        const auto t0 = std::chrono::steady_clock::now();
        auto r = service.charge("bench", key, p);
        const auto t1 = std::chrono::steady_clock::now();
        if (!r || r.value().intent.status != payintent::intent_status::succeeded) ++errors;
        mine.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
      }
      latencies[static_cast<std::size_t>(t)] = std::move(mine);
    });
  }
  if (c.charges == 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(c.seconds));
    stop = true;
  }
  for (auto& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<std::int64_t> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  const auto charges = static_cast<std::int64_t>(all.size());
  boost::json::object out;
  // A conninfo may hold a password: PostgreSQL runs print only "postgres".
  out["store"] = c.store.starts_with("postgres:") ? std::string("postgres") : c.store;
  out["threads"] = c.threads;
  out["seconds"] = elapsed;
  out["charges"] = charges;
  out["errors"] = errors.load();
  out["authorizations"] = network.authorizations();
  out["charges_per_s"] = static_cast<double>(charges) / elapsed;
  // How this program was built: a figure means little without it.
  out["build"] = PAYINTENT_BENCH_BUILD_TYPE;
  out["lto"] = PAYINTENT_BENCH_LTO != 0;
  out["p50_us"] = percentile(all, 0.50);
  out["p99_us"] = percentile(all, 0.99);
  fmt::print("{}\n", boost::json::serialize(out));
  return errors.load() == 0 && network.authorizations() == static_cast<std::size_t>(charges) ? 0
                                                                                             : 1;
}
