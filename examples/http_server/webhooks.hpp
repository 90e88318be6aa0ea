// http_server — webhook delivery of the event outbox (docs/events.md).
//
// One sender thread per endpoint (--webhook TENANT=URL,SECRET): it reads its
// tenant's events after a named consumer cursor in the store
// ("webhook <tenant> <url>"), POSTs each as Stripe does (event_json.hpp as
// the body, a Stripe-Signature header) and acknowledges the cursor only
// after a 2xx. So delivery is at least once (a crash between the 2xx and the
// acknowledgement hands the event over again on restart) and strictly in
// order per endpoint: a failing event holds back those after it. A failed
// POST (no answer within the timeout, a refused connection, a non-2xx) is
// tried again after a delay that doubles from `first_retry` up to
// `max_retry_delay`; an event still failing `give_up_after` after its first
// try is abandoned (counted, acknowledged) and the next one goes.
//
// Signature: webhook_signature.hpp, as Stripe signs.
#pragma once

#include "http_server/metrics.hpp"

#include <payintent/idempotency_store.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace payintent::http {

// Where one tenant's events go. http:// only (the example has no TLS).
struct webhook_endpoint {
  std::string tenant;
  std::string url;  // as given, e.g. "http://127.0.0.1:9000/hooks"
  std::string host;
  std::uint16_t port = 80;
  std::string target;  // "/hooks"
  std::string secret;
};

// "TENANT=http://HOST[:PORT][/PATH],SECRET", or why it is not one (never
// echoing the secret).
std::variant<webhook_endpoint, std::string> parse_webhook(std::string_view text);

struct delivery_options {
  // The delay after a first failed try; it doubles per try. Default: 10 s.
  std::chrono::milliseconds first_retry = std::chrono::seconds(10);
  // The longest delay between tries. Default: 1 h.
  std::chrono::milliseconds max_retry_delay = std::chrono::hours(1);
  // How long an event is tried before it is abandoned. Default: 3 days.
  std::chrono::milliseconds give_up_after = std::chrono::hours(72);
  // How often an idle sender looks for new events. Default: 200 ms.
  std::chrono::milliseconds poll_interval = std::chrono::milliseconds(200);
  // The longest a POST may take, connect to response. Default: 10 s.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
};

class webhook_sender {
 public:
  // Borrowed references outlive the sender. Starts one thread per endpoint.
  webhook_sender(idempotency_store& store, std::vector<webhook_endpoint> endpoints,
                 delivery_options options, metrics& stats);
  // Stops: a POST in flight finishes (or times out) first.
  ~webhook_sender();
  webhook_sender(const webhook_sender&) = delete;
  webhook_sender& operator=(const webhook_sender&) = delete;

 private:
  void run(const webhook_endpoint& endpoint);
  bool deliver(const webhook_endpoint& endpoint, const event_record& e);
  // Sleeps `d` or until stop; false when stopping.
  bool pause(std::chrono::milliseconds d);

  idempotency_store& store_;
  const std::vector<webhook_endpoint> endpoints_;
  const delivery_options options_;
  metrics& stats_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace payintent::http
