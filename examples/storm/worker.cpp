#include "storm/worker.hpp"

#include <payintent/payment_service.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <exception>
#include <latch>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

namespace payintent::storm {
namespace json = boost::json;

std::string storm_key(int index) {
  return fmt::format("storm-key-{}", index);
}

void worker_report::merge(const worker_report& other) {
  requests += other.requests;
  replayed += other.replayed;
  in_use += other.in_use;
  errors += other.errors;
  if (first_error.empty()) first_error = other.first_error;
  if (fatal.empty()) fatal = other.fatal;
  if (intents_by_key.size() < other.intents_by_key.size()) {
    intents_by_key.resize(other.intents_by_key.size());
  }
  for (std::size_t k = 0; k < other.intents_by_key.size(); ++k) {
    intents_by_key[k].insert(other.intents_by_key[k].begin(), other.intents_by_key[k].end());
  }
}

std::string to_json(const worker_report& r) {
  json::array keys;
  for (const auto& ids : r.intents_by_key) keys.emplace_back(json::array(ids.begin(), ids.end()));
  return json::serialize(json::object{{"requests", r.requests},
                                      {"replayed", r.replayed},
                                      {"in_use", r.in_use},
                                      {"errors", r.errors},
                                      {"first_error", r.first_error},
                                      {"fatal", r.fatal},
                                      {"intents_by_key", std::move(keys)}});
}

std::optional<worker_report> report_from_json(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto& o = doc.get_object();
  worker_report r;
  try {
    r.requests = json::value_to<std::uint64_t>(o.at("requests"));
    r.replayed = json::value_to<std::uint64_t>(o.at("replayed"));
    r.in_use = json::value_to<std::uint64_t>(o.at("in_use"));
    r.errors = json::value_to<std::uint64_t>(o.at("errors"));
    r.first_error = json::value_to<std::string>(o.at("first_error"));
    r.fatal = json::value_to<std::string>(o.at("fatal"));
    for (const auto& ids : o.at("intents_by_key").as_array()) {
      auto& set = r.intents_by_key.emplace_back();
      for (const auto& id : ids.as_array()) set.insert(json::value_to<std::string>(id));
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return r;
}

namespace {

// One thread's loop: every key once, starting at `start` in `order`.
worker_report charge_keys(payment_service& payments, const storm_args& args,
                          const std::vector<int>& order, std::size_t start) {
  worker_report r;
  r.intents_by_key.resize(order.size());
  charge_params params;
  params.amount = args.amount;
  params.currency = "EUR";
  params.payment_method = testing::pm_approve;
  params.wait_budget = args.wait_budget;
  for (std::size_t step = 0; step < order.size(); ++step) {
    const int key = order[(start + step) % order.size()];
    diagnostics diag;
    auto answer = payments.charge(args.tenant, storm_key(key), params, &diag);
    ++r.requests;
    if (answer) {
      if (answer.value().replayed) ++r.replayed;
      r.intents_by_key[static_cast<std::size_t>(key)].insert(answer.value().intent.id.str());
      continue;
    }
    // Retryable or not, the storm moves on: the other threads retry this key.
    if (answer.error() == errc::idempotency_key_in_use) {
      ++r.in_use;
    } else {
      ++r.errors;
      if (r.first_error.empty()) {
        r.first_error =
            fmt::format("{}: {} ({})", storm_key(key), answer.error().message(), diag.message);
      }
    }
  }
  return r;
}

worker_report run_threads(const storm_args& args, int process_index, idempotency_store& store) {
  testing::fake_network_options network_options;
  network_options.min_latency = args.min_latency;
  network_options.max_latency = args.max_latency;
  network_options.journal_path = args.journal;
  testing::fake_card_network network(std::move(network_options));
  service_options options;
  options.node_id = fmt::format("storm-process-{}", process_index);
  payment_service payments(store, network, std::move(options));

  std::vector<int> order(static_cast<std::size_t>(args.keys));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(args.seed));

  const auto all_threads = static_cast<std::uint64_t>(args.processes) * args.threads;
  std::vector<worker_report> reports(static_cast<std::size_t>(args.threads));
  std::latch start_together(args.threads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < args.threads; ++t) {
      const std::uint64_t g = static_cast<std::uint64_t>(process_index) * args.threads + t;
      const auto start = static_cast<std::size_t>(g * args.keys / all_threads);
      try {
        threads.emplace_back([&, t, start] {
          start_together.arrive_and_wait();
          reports[static_cast<std::size_t>(t)] = charge_keys(payments, args, order, start);
        });
      } catch (...) {
        start_together.count_down(args.threads - t);  // release the started ones, then fail
        throw;
      }
    }
  }
  worker_report total;
  total.intents_by_key.resize(order.size());
  for (const auto& r : reports) total.merge(r);
  return total;  // payments, then network, are destroyed: in-flight attempts finish first
}

}  // namespace

worker_report run_worker(const storm_args& args, int process_index, idempotency_store& store) {
  try {
    return run_threads(args, process_index, store);
  } catch (const std::exception& e) {
    // The fake network throws when it cannot open the journal; a thread that
    // cannot start throws std::system_error.
    worker_report r;
    r.fatal = fmt::format("process {}: {}", process_index, e.what());
    return r;
  }
}

}  // namespace payintent::storm
