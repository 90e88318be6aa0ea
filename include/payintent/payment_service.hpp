// payintent — the payment service: the one object an application talks to.
//
//   payintent::memory_store store;
//   my_card_network network;                       // implements card_network
//   payintent::payment_service payments(store, network);
//   auto r = payments.charge("acme", request_key, {.amount = 1999,
//                            .currency = "EUR", .payment_method = "pm_card_visa"});
//
// Every mutating call names a tenant and an idempotency key. Calling again
// with the same (tenant, key) and the same parameters, from any thread,
// process or server sharing the store, never moves money twice: the retry
// answers what the first call answered, with the intent as it is now and
// `replayed == true`. The same key with other parameters is
// errc::idempotency_key_reused.
//
// Thread safety: a payment_service is safe for concurrent use from many
// threads without external synchronisation. Several services (in one process
// or many) may share one store.
//
// Ownership: the store and the network are borrowed and must outlive the
// service. The destructor is shutdown() (below), then joins the service's pool.
//
// Shutting down (a rolling restart, SIGTERM), in this order:
//  1. Stop taking requests (close the listener).
//  2. Call shutdown() from a thread of your own (not a handler of this
//     service, not an io_context thread you need for step 3's handlers to
//     run). New calls answer errc::shutting_down (503, retryable: another
//     server takes them); calls and async_ operations already started end as
//     they would have — at their outcome or their wait budget — and attempts
//     in flight record their outcomes. When it returns, every async_
//     operation's handler has been handed to its executor, and the library
//     touches none of your executors again.
//  3. Let your io_context run those handlers (answer the clients), then stop
//     and destroy it. Destroy the service whenever you like after step 2.
// Misuse is safe, not undefined: if an io_context (any Asio execution
// context an async_ handler is bound to) is destroyed while operations are
// pending, their handlers are destroyed unrun, as Asio does with the
// handlers a destroyed context holds, and their attempts are still recorded.
// Calling io_context::stop() first only keeps those handlers from running.
//
// Errors: results carry a payintent::errc (see error.hpp for the HTTP mapping);
// pass a diagnostics* to receive the human detail. A store error leaves nothing
// cached: the key is free and a retry runs again.
//
// Async: every operation also has an async_ form taking any Asio completion
// token (a callback, asio::use_future, asio::use_awaitable, asio::deferred)
// with the completion signature void(error_code, T). Its store work runs on
// the service's own pool (service_options::store_threads) and its wait for
// the network on timers, so the caller's executor never blocks on either.
// docs/async.md has the details and examples/04_async.cpp an example.
#pragma once

#include "payintent/card_network.hpp"
#include "payintent/detail/completion.hpp"
#include "payintent/error.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/records.hpp"
#include "payintent/transition.hpp"
#include "payintent/validation.hpp"
#include "payintent/world.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace payintent {

struct service_options {
  // Names this server in attempts and audit entries. Default: "<hostname>:<pid>".
  std::string node_id;
  // How long a key replays before it may be purged. Default: 24 h.
  std::chrono::milliseconds key_retention = std::chrono::hours(24);
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

// Creates an intent in status created. Nothing is sent to the network.
struct create_params {
  std::int64_t amount = 0;                      // minor units, > 0
  std::string currency;                         // ISO 4217, any case
  std::string payment_method;                   // optional here; required by confirm if empty
  std::string description;                      // optional, <= 1000 bytes
  std::map<std::string, std::string> metadata;  // optional, see validate_metadata
};

// Sends the intent to the card network as a new attempt.
struct confirm_params {
  std::string payment_method;  // empty: use the intent's
  // nullopt: service_options::default_wait_budget. Not part of the fingerprint.
  std::optional<std::chrono::milliseconds> wait_budget;
};

// Create and confirm as one idempotent call.
struct charge_params {
  std::int64_t amount = 0;
  std::string currency;
  std::string payment_method;  // required
  std::string description;
  std::map<std::string, std::string> metadata;
  std::optional<std::chrono::milliseconds> wait_budget;
};

struct cancel_params {
  std::string reason;  // optional: "requested_by_customer", "duplicate", "fraudulent", "abandoned"
};

// The outcome of the cardholder's 3-D Secure challenge, as the server's
// front end received it from its 3DS server (the RReq / challenge result),
// passed to payment_service::authenticate. Every field is validated;
// errc::invalid_argument names the field, never its value.
struct authenticate_params {
  // The challenge it answers: must equal the intent's
  // next_action.three_ds_server_trans_id, else errc::invalid_argument.
  std::string three_ds_server_trans_id;
  // "Y" authenticated, "A" attempted: authorize again carrying the values
  // below. "N" not authenticated, "R" rejected: the attempt fails. "U"
  // unavailable: see service_options::authorize_when_authentication_unavailable.
  std::string trans_status;
  // CAVV / AAV; required for Y and A (1-255 printable ASCII). Sensitive: held
  // in memory only for the one authorization it is sent with; never stored
  // (not even in the fingerprint), logged, or returned.
  std::string authentication_value;
  std::string eci;                // 2 digits; required for Y and A
  std::string ds_transaction_id;  // directory server transaction id; required for Y and A
  std::string message_version;    // EMV 3DS version, "2.2.0"; optional
  // nullopt: service_options::default_wait_budget. Not part of the fingerprint.
  std::optional<std::chrono::milliseconds> wait_budget;
};

// What one recovery pass did (see payment_service::recover).
struct recovery_report {
  std::size_t examined = 0;  // unresolved attempts listed
  std::size_t adopted = 0;   // outcome learned by lookup and recorded
  std::size_t voided = 0;    // unknown to the network: voided, intent failed and retryable
  std::size_t retried = 0;   // lookup or void failed, or still pending: scheduled again
  std::size_t reviewed = 0;  // handed to a person: intent requires_review
  std::size_t skipped = 0;   // lease still held, already resolved, or another node won
  std::size_t errors = 0;    // store errors: left for the next pass
  std::size_t challenges_expired = 0;  // 3-D Secure challenges past challenge_expiry: failed
};

// The answer to a mutating call.
struct payment_response {
  payment_intent intent;  // as it is now (after the outcome, or at the wait budget)
  bool replayed = false;  // true: this key was answered before; nothing new was done
};

namespace detail {
struct mutation;
}  // namespace detail

class payment_service {
 public:
  // With the default service_options (built inside the library, so no
  // temporary of them is destroyed in the caller's code).
  payment_service(idempotency_store& store, card_network& network);
  payment_service(idempotency_store& store, card_network& network, service_options options);
  ~payment_service();
  payment_service(const payment_service&) = delete;
  payment_service& operator=(const payment_service&) = delete;

  result<payment_response> create_intent(std::string_view tenant, std::string_view key,
                                         const create_params& params, diagnostics* diag = nullptr);

  // From created or failed (a new attempt); errc::invalid_state from any other
  // status. Returns when the outcome is recorded or the wait budget passes.
  result<payment_response> confirm(std::string_view tenant, std::string_view key,
                                   std::string_view intent, const confirm_params& params,
                                   diagnostics* diag = nullptr);

  // Charges a card for an amount and currency and returns the outcome:
  // creates the intent and its first attempt in one claim.
  result<payment_response> charge(std::string_view tenant, std::string_view key,
                                  const charge_params& params, diagnostics* diag = nullptr);

  // From created, requires_action or failed; errc::invalid_state otherwise.
  result<payment_response> cancel(std::string_view tenant, std::string_view key,
                                  std::string_view intent, const cancel_params& params,
                                  diagnostics* diag = nullptr);

  // Resumes an intent in requires_action with the result of its 3-D Secure
  // challenge (docs/three_ds.md), under its own idempotency key.
  //  - Y or A: a new attempt, written in init before the network is called,
  //    authorizes again carrying the authentication value, ECI and DS
  //    transaction id; the challenged attempt keeps challenge_pending as the
  //    record of the challenge it raised. Returns like confirm.
  //  - N or R (and U unless authorize_when_authentication_unavailable): the
  //    challenged attempt ends declined ("authentication_failed",
  //    "authentication_rejected", "authentication_unavailable"), the intent
  //    failed with last_error.code "authentication_failed"; a confirm with a
  //    new key may try again.
  // Duplicates authorize once: the same key (on any thread or process)
  // replays; another key finds the intent no longer in requires_action.
  // Errors: not_found (no such intent for this tenant), invalid_state (not in
  // requires_action; the message says so when its challenge expired or it
  // was canceled), invalid_argument (a malformed field, or a
  // three_ds_server_trans_id of another challenge). Rejections against the
  // intent are stored with the key; malformed input is not.
  result<payment_response> authenticate(std::string_view tenant, std::string_view key,
                                        std::string_view intent, const authenticate_params& params,
                                        diagnostics* diag = nullptr);

  // The intent as it is now. Another tenant's intent is errc::not_found. An
  // intent whose attempt's lease has expired (its node crashed or paused) is
  // reconciled first, so the answer is never stuck on a dead holder, and a
  // 3-D Secure challenge past options().challenge_expiry is ended first;
  // confirm, cancel and authenticate do the same.
  result<payment_intent> retrieve(std::string_view tenant, std::string_view intent,
                                  diagnostics* diag = nullptr);

  // The intent's audit entries, oldest first; verify with verify_audit().
  result<std::vector<audit_entry>> audit_trail(std::string_view tenant, std::string_view intent,
                                               diagnostics* diag = nullptr);

  // One recovery pass over up to `limit` unresolved attempts whose lease has
  // expired by the store clock, across all tenants. Never authorizes again:
  // each attempt is taken over under a new fencing token, then
  // card_network::async_lookup decides — found: the outcome is adopted; not
  // found: async_void (so a late arrival is reversed), then the intent fails,
  // retryable with a new confirm; lookup or void unsupported, or failing past
  // options().recovery_backoff: requires_review, the reason in the audit
  // trail. Safe to run on many nodes at once: the store's lease check lets one
  // node take each attempt. Blocks on the network (up to
  // options().network_timeout per call). Then it expires up to `limit` 3-D
  // Secure challenges older than options().challenge_expiry (on stores that
  // implement idempotency_store::list_requires_action; others expire them on
  // access only). Errors only when listing unresolved attempts fails.
  result<recovery_report> recover(std::size_t limit = 100, diagnostics* diag = nullptr);

  // Deletes idempotency keys past options().key_retention, `batch` at a
  // time, until none is left; never a key whose attempt is unresolved (its
  // retry must still replay). Intents and audit entries are kept. Returns how
  // many keys were deleted; an error stops it, and what was deleted stays so.
  result<std::size_t> purge_expired_keys(std::size_t batch = 500, diagnostics* diag = nullptr);

  // Runs recover(batch) every `interval` on `executor` until stop_recovery()
  // or destruction. A pass blocks the executor's thread on the store and the
  // network: give it a dedicated executor (a one-thread asio::thread_pool).
  // Calling it again replaces the running loop.
  void start_recovery(boost::asio::any_io_executor executor,
                      std::chrono::milliseconds interval = std::chrono::seconds(5),
                      std::size_t batch = 100);
  // Stops the loop and waits for a pass in progress. Idempotent.
  void stop_recovery() noexcept;

  // The graceful stop described at the top of this header: refuses new calls
  // (errc::shutting_down), stops recovery, and waits for the calls and async_
  // operations already started (each bounded by its wait budget), then for
  // attempts in flight to record their outcomes (bounded by the network's
  // answer, which card_network.hpp requires within the lease). Idempotent and
  // thread-safe; the destructor calls it. Called from a thread of the
  // service's pool (inside a completion handler that runs there), it refuses
  // new calls and returns at once; the destructor does the waiting.
  void shutdown() noexcept;

  const service_options& options() const noexcept;

  // ---- Asynchronous forms -------------------------------------------------
  //
  // Each async_ form does what its synchronous form does and completes with
  // void(error_code, T): (success, value) or (error, T{}). Contract:
  //  - Arguments are validated and copied before the call returns (a
  //    validation error is still delivered through the handler); `diag` may
  //    be null and, if not, must stay valid until the handler runs.
  //  - The handler runs exactly once, through its associated executor
  //    (asio::bind_executor, a coroutine's executor), never inside the
  //    initiating call; without one it runs on the service's pool. The
  //    operation counts as outstanding work on that executor until then.
  //  - No thread of the caller's executor blocks: store calls run on the
  //    service's pool, the wait for the network on completion callbacks and
  //    timers.
  //  - confirm and charge complete at the outcome or at the wait budget,
  //    whichever comes first; at the budget the intent is answered as it is
  //    (processing) and the attempt finishes in the background, telling
  //    on_transition when it commits.
  //  - Concurrent calls in this process with the same (tenant, key) and
  //    parameters share one claim: one goes to the store, the others follow
  //    it and answer its result with replayed = true (each waits for the
  //    attempt on its own budget). The synchronous forms coalesce the same way.
  //  - The service must outlive the operation; its destructor waits for the
  //    operations in flight. An operation whose handler's io_context is
  //    destroyed first drops the handler unrun (see "Shutting down" above).
  // Cancellation slots are not supported: the wait budget bounds the wait.

  template <class CompletionToken>
  auto async_create_intent(std::string_view tenant, std::string_view key,
                           const create_params& params, diagnostics* diag,
                           CompletionToken&& token) {
    return initiate_mutation(prepare_create(tenant, key, params, diag), diag,
                             std::forward<CompletionToken>(token));
  }

  template <class CompletionToken>
  auto async_confirm(std::string_view tenant, std::string_view key, std::string_view intent,
                     const confirm_params& params, diagnostics* diag, CompletionToken&& token) {
    return initiate_mutation(prepare_confirm(tenant, key, intent, params, diag), diag,
                             std::forward<CompletionToken>(token));
  }

  template <class CompletionToken>
  auto async_charge(std::string_view tenant, std::string_view key, const charge_params& params,
                    diagnostics* diag, CompletionToken&& token) {
    return initiate_mutation(prepare_charge(tenant, key, params, diag), diag,
                             std::forward<CompletionToken>(token));
  }

  template <class CompletionToken>
  auto async_cancel(std::string_view tenant, std::string_view key, std::string_view intent,
                    const cancel_params& params, diagnostics* diag, CompletionToken&& token) {
    return initiate_mutation(prepare_cancel(tenant, key, intent, params, diag), diag,
                             std::forward<CompletionToken>(token));
  }

  template <class CompletionToken>
  auto async_authenticate(std::string_view tenant, std::string_view key, std::string_view intent,
                          const authenticate_params& params, diagnostics* diag,
                          CompletionToken&& token) {
    return initiate_mutation(prepare_authenticate(tenant, key, intent, params, diag), diag,
                             std::forward<CompletionToken>(token));
  }

  template <class CompletionToken>
  auto async_retrieve(std::string_view tenant, std::string_view intent, diagnostics* diag,
                      CompletionToken&& token) {
    return initiate_blocking<payment_intent>(
        [this, t = std::string(tenant), i = std::string(intent), diag] {
          return retrieve(t, i, diag);
        },
        std::forward<CompletionToken>(token));
  }

  template <class CompletionToken>
  auto async_audit_trail(std::string_view tenant, std::string_view intent, diagnostics* diag,
                         CompletionToken&& token) {
    return initiate_blocking<std::vector<audit_entry>>(
        [this, t = std::string(tenant), i = std::string(intent), diag] {
          return audit_trail(t, i, diag);
        },
        std::forward<CompletionToken>(token));
  }

 private:
  struct impl;
  // A mutating call, validated, its arguments copied; never null.
  using prepared = result<std::shared_ptr<const detail::mutation>>;

  template <class T>
  using completion_ptr = std::shared_ptr<detail::completion<T>>;

  // The one generic initiation: `start` receives the handler, made a
  // completion while its type is known (so its io_context can be guarded) and
  // counted as an operation in progress until it is handed over.
  template <class T, class CompletionToken, class Start>
  auto initiate(CompletionToken&& token, Start start) {
    return boost::asio::async_initiate<CompletionToken, void(error_code, T)>(
        [this](auto h, Start s) {
          std::move(s)(
              detail::make_completion<T>(std::move(h), pool_executor(), track_operation()));
        },
        token, std::move(start));
  }

  // A mutating operation: its prepare_ member (validates, copies) + this.
  template <class CompletionToken>
  auto initiate_mutation(prepared m, diagnostics* diag, CompletionToken&& token) {
    return initiate<payment_response>(
        std::forward<CompletionToken>(token),
        [this, m = std::move(m), diag](completion_ptr<payment_response> done) mutable {
          start_mutation(std::move(m), diag, done);
        });
  }

  // A read: runs the synchronous form on the service's pool.
  template <class T, class CompletionToken>
  auto initiate_blocking(std::function<result<T>()> job, CompletionToken&& token) {
    return initiate<T>(std::forward<CompletionToken>(token),
                       [this, job = std::move(job)](completion_ptr<T> done) mutable {
                         on_pool([job = std::move(job), done] { (*done)(job()); });
                       });
  }

  prepared prepare_create(std::string_view tenant, std::string_view key,
                          const create_params& params, diagnostics* diag);
  prepared prepare_confirm(std::string_view tenant, std::string_view key, std::string_view intent,
                           const confirm_params& params, diagnostics* diag);
  prepared prepare_charge(std::string_view tenant, std::string_view key,
                          const charge_params& params, diagnostics* diag);
  prepared prepare_cancel(std::string_view tenant, std::string_view key, std::string_view intent,
                          const cancel_params& params, diagnostics* diag);
  prepared prepare_authenticate(std::string_view tenant, std::string_view key,
                                std::string_view intent, const authenticate_params& params,
                                diagnostics* diag);
  result<payment_response> run_sync(prepared m, diagnostics* diag);
  void start_mutation(prepared m, diagnostics* diag, const completion_ptr<payment_response>& done);
  void on_pool(std::function<void()> job);
  // Counts an async_ operation as started; the returned hook ends it.
  std::function<void()> track_operation();
  boost::asio::any_io_executor pool_executor() const;

  std::unique_ptr<impl> impl_;
};

}  // namespace payintent
