// async_latency: how long the async API makes a caller wait when the card
// network is slow — the library half of issue 7's "p99 under 200 ms while the
// network takes 100-800 ms".
//
//   async_latency [--store memory|sqlite:PATH] [--rate R] [--seconds S]
//                 [--latency LO-HI] [--budget MS] [--dup FRACTION]
//
// One thread runs an io_context that sends async_charge calls at a fixed
// rate (open loop: a late answer never delays the next send), a fraction of
// them retries of an earlier key with the same parameters. Each call's
// latency runs from its scheduled send to its handler. After the last answer
// it waits for the attempts that outlived their budget, then prints one JSON
// line: latency percentiles, throughput, authorizations against distinct
// keys (equal when exactly once held), and whether every retry was answered
// with its original's intent.
#include "bench_support.hpp"
#include "common/cli.hpp"

#include <payintent/payintent.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

struct config {
  std::string store = "memory";
  double rate = 2000;
  double seconds = 10;
  milliseconds latency_lo{100}, latency_hi{800};
  milliseconds budget{150};
  double dup = 0.10;
};

constexpr std::string_view usage_text =
    "usage: async_latency [--store memory|sqlite:PATH] [--rate R] [--seconds S]\n"
    "                     [--latency LO-HI] [--budget MS] [--dup FRACTION]\n";

int usage(const char* why) {
  return payintent::cli::usage_error("async_latency", why, usage_text);
}

bool parse_flag(std::string_view flag, std::string_view text, config& c) {
  const std::string value(text);
  if (flag == "--store") {
    c.store = value;
  } else if (flag == "--rate") {
    c.rate = std::atof(value.c_str());
  } else if (flag == "--seconds") {
    c.seconds = std::atof(value.c_str());
  } else if (flag == "--budget") {
    c.budget = milliseconds(std::atoll(value.c_str()));
  } else if (flag == "--dup") {
    c.dup = std::atof(value.c_str());
  } else if (flag == "--latency" && value.find('-') != std::string::npos) {
    c.latency_lo = milliseconds(std::atoll(value.substr(0, value.find('-')).c_str()));
    c.latency_hi = milliseconds(std::atoll(value.substr(value.find('-') + 1).c_str()));
  } else {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  const auto exit_code = payintent::cli::parse_flags(
      argc, argv, "async_latency", usage_text,
      [&](std::string_view flag, std::string_view value) { return parse_flag(flag, value, c); });
  if (exit_code) return *exit_code;
  if (c.rate <= 0 || c.seconds <= 0 || c.dup < 0 || c.dup >= 1 || c.latency_lo > c.latency_hi) {
    return usage("rate and seconds must be positive, dup in [0, 1), LO <= HI");
  }
  auto store = payintent::bench::open_store(c.store, 4);
  if (!store) return usage("unknown or unopenable store");

  payintent::testing::fake_card_network network(
      {.min_latency = c.latency_lo, .max_latency = c.latency_hi, .keep_requests = false});
  std::atomic<std::int64_t> told_authorized{0};
  payintent::service_options options;
  options.node_id = "async-bench";
  options.default_wait_budget = c.budget;
  options.on_transition = [&](const payintent::transition& t) {
    if (t.event == "attempt.authorized") ++told_authorized;
  };
  payintent::payment_service service(*store, network, options);

  asio::io_context io;  // the one caller thread: sends, and runs every handler
  asio::steady_timer pacer(io);
  std::mt19937_64 rng(42);
  std::vector<std::int64_t> latencies;
  std::map<std::string, std::vector<std::string>> answers;  // key -> intent ids answered
  std::int64_t sent = 0, answered = 0, errors = 0, duplicates = 0, processing = 0;
  const auto total = static_cast<std::int64_t>(c.rate * c.seconds);
  latencies.reserve(static_cast<std::size_t>(total));
  const payintent::charge_params params{
      .amount = 1999, .currency = "EUR", .payment_method = "pm_card_visa"};
  const auto start = steady::now();

  auto send = [&](std::int64_t n, steady::time_point due) {
    std::string key;
    std::uniform_real_distribution<double> coin(0, 1);
    if (n > 0 && coin(rng) < c.dup && !answers.empty()) {
      // A retry of a recent key: the client did not hear back, or tapped twice.
      std::uniform_int_distribution<std::int64_t> back(1, std::min<std::int64_t>(n, 200));
      key = fmt::format("k{}", std::max<std::int64_t>(0, n - back(rng)));
      if (!answers.count(key)) key = answers.rbegin()->first;
      ++duplicates;
    } else {
      key = fmt::format("k{}", n);
    }
    answers[key];  // a distinct key from now on
    service.async_charge(
        "bench", key, params, nullptr,
        asio::bind_executor(io, [&, key, due](payintent::error_code ec,
                                              payintent::payment_response r) {
          latencies.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - due).count());
          ++answered;
          if (ec) {
            ++errors;
            return;
          }
          if (r.intent.status == payintent::intent_status::processing) ++processing;
          answers[key].push_back(r.intent.id.str());
        }));
  };

  std::function<void()> pace = [&] {
    const auto now = steady::now();
    const auto due_count = std::min<std::int64_t>(
        total,
        static_cast<std::int64_t>(std::chrono::duration<double>(now - start).count() * c.rate));
    for (; sent < due_count; ++sent) {
      const auto due =
          start + std::chrono::duration_cast<steady::duration>(
                      std::chrono::duration<double>(static_cast<double>(sent) / c.rate));
      send(sent, due);
    }
    if (sent < total) {
      pacer.expires_after(milliseconds(1));
      pacer.async_wait([&](payintent::error_code) { pace(); });
    }
  };
  pace();
  io.run();  // until the last handler: each call is outstanding work
  const double elapsed = std::chrono::duration<double>(steady::now() - start).count();

  // The attempts that outlived their budget finish in the background.
  const auto distinct = static_cast<std::int64_t>(answers.size());
  for (int i = 0; i < 500 && told_authorized < distinct; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  bool from_original = true;
  for (const auto& [key, ids] : answers) {
    for (const auto& id : ids) from_original &= id == ids.front();
  }

  fmt::print(
      "{{\"store\":\"{}\",\"rate\":{},\"seconds\":{},\"network_latency_ms\":[{},{}],"
      "\"wait_budget_ms\":{},\"requests\":{},\"distinct_keys\":{},\"duplicates\":{},"
      "\"errors\":{},\"answered_processing\":{},\"p50_ms\":{:.2f},\"p99_ms\":{:.2f},"
      "\"p999_ms\":{:.2f},\"max_ms\":{:.2f},\"throughput_rps\":{:.1f},\"authorizations\":{},"
      "\"observer_authorizations\":{},\"duplicates_answered_from_original\":{}}}\n",
      c.store, c.rate, c.seconds, c.latency_lo.count(), c.latency_hi.count(), c.budget.count(),
      answered, distinct, duplicates, errors, processing,
      payintent::bench::percentile(latencies, 0.50, 1e6),
      payintent::bench::percentile(latencies, 0.99, 1e6),
      payintent::bench::percentile(latencies, 0.999, 1e6),
      payintent::bench::percentile(latencies, 1.0, 1e6), static_cast<double>(answered) / elapsed,
      network.authorizations(), told_authorized.load(), from_original);
  const bool exactly_once = static_cast<std::int64_t>(network.authorizations()) == distinct &&
                            told_authorized == distinct && errors == 0 && from_original;
  return exactly_once ? 0 : 1;
}
