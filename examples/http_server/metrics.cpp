#include "http_server/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace payintent::http {

metrics::metrics(std::function<std::uint64_t()> authorizations)
    : authorizations_(std::move(authorizations)) {
}

void metrics::record(int http_status, bool replayed, std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  const auto bucket = std::lower_bound(bucket_bounds.begin(), bucket_bounds.end(), seconds);
  std::lock_guard lock(mutex_);
  ++by_status_[http_status];
  if (replayed) ++replays_;
  if (bucket != bucket_bounds.end()) ++buckets_[std::distance(bucket_bounds.begin(), bucket)];
  ++count_;
  sum_seconds_ += seconds;
}

void metrics::record_webhook(bool delivered) {
  std::lock_guard lock(mutex_);
  ++(delivered ? webhooks_delivered_ : webhooks_failed_);
}

void metrics::record_webhook_abandoned() {
  std::lock_guard lock(mutex_);
  ++webhooks_abandoned_;
}

std::string metrics::render() const {
  const std::uint64_t authorizations = authorizations_ ? authorizations_() : 0;
  std::lock_guard lock(mutex_);
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(
      it, "# HELP payintent_authorizations_total Authorizations the card network performed.\n");
  fmt::format_to(it, "# TYPE payintent_authorizations_total counter\n");
  fmt::format_to(it, "payintent_authorizations_total {}\n", authorizations);
  fmt::format_to(it, "# HELP payintent_http_requests_total HTTP responses by status code.\n");
  fmt::format_to(it, "# TYPE payintent_http_requests_total counter\n");
  for (const auto& [code, n] : by_status_)
    fmt::format_to(it, "payintent_http_requests_total{{code=\"{}\"}} {}\n", code, n);
  fmt::format_to(it,
                 "# HELP payintent_http_replays_total Responses answered from an idempotency key's "
                 "stored result.\n");
  fmt::format_to(it, "# TYPE payintent_http_replays_total counter\n");
  fmt::format_to(it, "payintent_http_replays_total {}\n", replays_);
  fmt::format_to(it,
                 "# HELP payintent_http_request_duration_seconds Time from a request read to its "
                 "response ready.\n");
  fmt::format_to(it, "# TYPE payintent_http_request_duration_seconds histogram\n");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bucket_bounds.size(); ++i) {
    cumulative += buckets_[i];
    fmt::format_to(it, "payintent_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                   bucket_bounds[i], cumulative);
  }
  fmt::format_to(it, "payintent_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", count_);
  fmt::format_to(it, "payintent_http_request_duration_seconds_sum {}\n", sum_seconds_);
  fmt::format_to(it, "payintent_http_request_duration_seconds_count {}\n", count_);
  fmt::format_to(it, "# HELP payintent_webhook_attempts_total Webhook POSTs by outcome.\n");
  fmt::format_to(it, "# TYPE payintent_webhook_attempts_total counter\n");
  fmt::format_to(it, "payintent_webhook_attempts_total{{outcome=\"delivered\"}} {}\n",
                 webhooks_delivered_);
  fmt::format_to(it, "payintent_webhook_attempts_total{{outcome=\"failed\"}} {}\n",
                 webhooks_failed_);
  fmt::format_to(it,
                 "# HELP payintent_webhook_abandoned_total Events given up after the retry "
                 "window.\n");
  fmt::format_to(it, "# TYPE payintent_webhook_abandoned_total counter\n");
  fmt::format_to(it, "payintent_webhook_abandoned_total {}\n", webhooks_abandoned_);
  return fmt::to_string(out);
}

}  // namespace payintent::http
