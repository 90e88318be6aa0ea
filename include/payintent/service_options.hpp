// payintent — how a payment_service is configured: service_options.
//
// Every field has a default that suits a production server; each says its
// Default. Pass the struct by value to the payment_service constructor;
// options() returns it as the service uses it.
#pragma once

#include "payintent/transition.hpp"
#include "payintent/validation.hpp"
#include "payintent/world.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace payintent {

struct service_options {
  // Names this server in attempts and audit entries. Default: "<hostname>:<pid>".
  std::string node_id;
  // How long a key replays before it may be purged. Default: 24 h.
  std::chrono::milliseconds key_retention = std::chrono::hours(24);
  // How long events (events.hpp) are kept before purge_events deletes them,
  // by the store clock from their commit. Default: 30 days.
  std::chrono::milliseconds event_retention = std::chrono::hours(24 * 30);
  // How long the node that wrote an attempt owns it. The card network must
  // answer (even if only "unknown") well within it. Default: 60 s.
  std::chrono::milliseconds attempt_lease = std::chrono::seconds(60);
  // How long confirm and charge wait for the network's outcome when the call
  // does not say. On expiry the call answers the intent as it is (processing)
  // and the attempt finishes in the background. Default: 30 s.
  std::chrono::milliseconds default_wait_budget = std::chrono::seconds(30);
  // How long a duplicate waits for a concurrent holder of the same key before
  // answering errc::idempotency_key_in_use. Default: 2 s.
  std::chrono::milliseconds key_in_use_wait = std::chrono::seconds(2);
  // Bounds on amounts. Default: see amount_limits.
  amount_limits limits;
  // How often a write that lost a compare-and-set race is decided again
  // before the call answers errc::busy. Default: 32.
  int max_conflict_retries = 32;
  // Recovery: the delays between tries when lookup or void fails or the
  // network still says pending; after the last, the intent goes to
  // requires_review. Default: 5 s, 1 min, 5 min, 1 h.
  std::vector<std::chrono::milliseconds> recovery_backoff = {
      std::chrono::seconds(5), std::chrono::minutes(1), std::chrono::minutes(5),
      std::chrono::hours(1)};
  // How long recovery waits for one lookup or void. Default: 30 s.
  std::chrono::milliseconds network_timeout = std::chrono::seconds(30);
  // How long a 3-D Secure challenge waits for authenticate, by the store
  // clock from when its attempt entered challenge_pending. After it the
  // attempt ends declined ("challenge_expired") and the intent failed, on the
  // next access (retrieve, confirm, cancel, authenticate) or recovery pass.
  // Default: 10 min.
  std::chrono::milliseconds challenge_expiry = std::chrono::minutes(10);
  // How long an uncaptured authorization is held: an intent in
  // requires_capture, by the store clock from when its authorization became
  // authorized. After it, a recovery pass (recover, start_recovery) releases
  // the hold as cancel does (a release attempt, written before the network's
  // release is called; recovered by lookup if its answer is lost) and the
  // intent ends canceled with cancellation_reason "abandoned". Contract:
  // stay within the card schemes' usual limit for customer-initiated holds,
  // 7 days, after which the issuer may drop the hold itself and a capture
  // may fail. A store whose list_requires_capture answers not_supported
  // never expires holds (cancel them). Default: 7 days.
  std::chrono::milliseconds authorization_expiry = std::chrono::hours(7 * 24);
  // transStatus U (the issuer could not authenticate): false ends the attempt
  // as failed, like N; true authorizes without a liability shift, carrying the
  // ECI and DS transaction id but no authentication value. Default: false.
  bool authorize_when_authentication_unavailable = false;
  // Threads of the service's own pool, where the async_ operations' store
  // calls and every outcome's recording run (stores block by contract), and
  // where a completion handler without an executor of its own is invoked.
  // The bundled SQL stores commit the writes waiting at once as a group, so
  // on them this bounds how many writes share a commit: size it to the
  // writes you expect in flight (examples/http_server uses 64). Default: 4.
  std::size_t store_threads = 4;
  // Told of every durable transition this service commits, once, after the
  // commit (see transition.hpp): webhooks, metrics. Default: none.
  transition_observer on_transition;
  // The clock, waits, background jobs and ids the service uses (world.hpp).
  // Tests and simulators supply their own. Default: the real world, whose
  // jobs run on the pool of store_threads.
  std::shared_ptr<payintent::world> world;
};

}  // namespace payintent
