// http_server — the command line.
//
//   http_server --port P --store memory|sqlite:PATH --api-key KEY=TENANT [--api-key ...]
//               --network-latency-ms LO-HI --wait-budget-ms N
//               [--read-timeout-ms N] [--max-body-bytes N] [--store-threads N]
//               [--challenge-expiry-ms N] [--webhook TENANT=URL,SECRET ...]
//               [--webhook-retry-ms FIRST-MAX]
#pragma once

#include "http_server/webhooks.hpp"
#include "storm/store_spec.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace payintent::http {

struct server_args {
  std::uint16_t port = 0;  // 0: any free port (printed on stdout)
  storm::store_spec store;
  std::vector<std::pair<std::string, std::string>> api_keys;  // key, tenant
  std::chrono::milliseconds min_latency{0};                   // of the simulated card network
  std::chrono::milliseconds max_latency{0};
  std::chrono::milliseconds wait_budget{0};
  // Optional. Default: 10 s (server_limits).
  std::chrono::milliseconds read_timeout = std::chrono::seconds(10);
  // Optional. Default: 16 KiB (server_limits).
  std::size_t max_body_bytes = 16 * 1024;
  // Optional: service_options::store_threads. The writes queued on a
  // durable store commit together (group commit), so a server on one wants
  // as many store threads as requests it expects in flight on the store.
  // Default: 4 on the memory store, 64 on a durable one.
  std::size_t store_threads = 0;  // 0: the default for the store
  // Optional: service_options::challenge_expiry, the time a cardholder has
  // to answer a 3-D Secure challenge page. Default: 10 min (the library's).
  std::chrono::milliseconds challenge_expiry = std::chrono::minutes(10);
  // Optional, repeatable: where each tenant's events are POSTed
  // (webhooks.hpp). Default: none.
  std::vector<webhook_endpoint> webhooks;
  // Optional: the first and the longest delay between tries of a webhook.
  // Default: 10 s and 1 h (delivery_options).
  delivery_options delivery;
  bool help = false;
};

std::string server_usage();

// Parses argv; every flag but the optional ones is required. On failure
// returns a message naming the bad argument (never echoing an API key).
std::variant<server_args, std::string> parse_server_args(int argc, const char* const* argv);

}  // namespace payintent::http
