// http_server — counters for GET /metrics, in Prometheus' text format 0.0.4.
//
//   payintent_authorizations_total           authorizations the card network performed
//   payintent_http_requests_total{code="200"} responses by HTTP status
//   payintent_http_replays_total             responses answered from a stored result
//   payintent_http_request_duration_seconds  histogram: request read to response ready
//   payintent_webhook_attempts_total{outcome="delivered"|"failed"}
//                                            webhook POSTs (webhooks.hpp) by outcome
//   payintent_webhook_abandoned_total        events given up after the retry window
//
// Thread-safe: connections record concurrently; render takes a snapshot.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace payintent::http {

class metrics {
 public:
  // `authorizations` reads the count of authorizations that moved money.
  // It is the one place that count comes from (today the fake network's
  // ledger; a transition observer can feed it instead). Called by render.
  explicit metrics(std::function<std::uint64_t()> authorizations);

  void record(int http_status, bool replayed, std::chrono::nanoseconds latency);
  // One webhook POST: answered 2xx (delivered) or not.
  void record_webhook(bool delivered);
  void record_webhook_abandoned();

  std::string render() const;

  // The histogram's upper bounds in seconds (+Inf is implied).
  static constexpr std::array<double, 14> bucket_bounds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5};

 private:
  std::function<std::uint64_t()> authorizations_;
  mutable std::mutex mutex_;
  std::map<int, std::uint64_t> by_status_;
  std::uint64_t replays_ = 0;
  std::array<std::uint64_t, bucket_bounds.size()> buckets_{};  // not cumulative
  std::uint64_t count_ = 0;
  double sum_seconds_ = 0;
  std::uint64_t webhooks_delivered_ = 0;
  std::uint64_t webhooks_failed_ = 0;
  std::uint64_t webhooks_abandoned_ = 0;
};

}  // namespace payintent::http
