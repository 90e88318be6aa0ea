// payintent — the payment service: the one object an application talks to.
//
//   payintent::memory_store store;
//   my_card_network network;                       // implements card_network
//   payintent::payment_service payments(store, network);
//   auto r = payments.charge("acme", request_key, {.amount = 1999,
//                            .currency = "EUR", .payment_method = "pm_card_visa"});
//
// What a mutating call returns (charge, confirm, authenticate, cancel,
// create_intent): a payment_response, the intent as it is now, whenever the
// request was accepted — whatever the card network said. Read its status:
//  - succeeded: the network authorized; money moved.
//  - failed: the attempt definitely failed. last_error.code says why:
//    "card_declined" with the network's decline_code, "network_not_sent",
//    "authentication_failed", ... A confirm with a new key may try again.
//  - requires_action: 3-D Secure; show next_action to the customer, then
//    call authenticate with the challenge's result (docs/three_ds.md).
//  - processing: the wait budget passed before the network answered, or the
//    answer was pending or unknown. The attempt finishes in the background
//    (recovery settles an unknown one); retrieve later or listen through
//    service_options::on_transition. Nothing is charged twice meanwhile.
//  - requires_review: recovery could not learn the outcome; a person decides.
// An error (the result's error(), an errc of error.hpp, which maps each to
// HTTP) means the request was refused or could not run, and nothing was
// charged by it: 400s are the caller's mistake (never retry unchanged),
// not_found, invalid_state, idempotency_key_reused and _in_use are about the
// intent or the key, and 503s (store_unavailable, busy, shutting_down) are
// transient: nothing was cached, the key is free, retry with backoff. A
// decline is not an error: it is status failed. Pass a diagnostics* to
// receive the human detail.
//
// Idempotency: every mutating call names a tenant and an idempotency key.
// Calling again with the same (tenant, key) and the same parameters, from any
// thread, process or server sharing the store, never moves money twice: the
// retry answers what the first call answered, with the intent as it is now
// and `replayed == true`. The same key with other parameters is
// errc::idempotency_key_reused (operation_params.hpp says what counts).
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
// Production also runs start_recovery (attempts whose holder crashed or whose
// answer was lost) and purge_expired_keys (keys past their retention).
#pragma once

#include "payintent/card_network.hpp"
#include "payintent/error.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/operation_params.hpp"
#include "payintent/records.hpp"
#include "payintent/refund.hpp"
#include "payintent/service_options.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace payintent {

// The answer to an accepted mutating call (see the top of this header).
struct payment_response {
  payment_intent intent;  // as it is now (after the outcome, or at the wait budget)
  bool replayed = false;  // true: this key was answered before; nothing new was done
  // The attempt the call started (for a replay: the one the first call
  // started), 0 when it started none.
  int attempt_number = 0;
};

// The answer to an accepted refund: the refund and its intent as they are now.
struct refund_response {
  payintent::refund refund;
  payment_intent intent;
  bool replayed = false;
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
  std::size_t holds_expired = 0;  // holds past authorization_expiry: their release started
};

// ---- Settling a review (docs/operations.md) --------------------------------

// What a person decided about an intent in requires_review, after checking
// the card network (payment_service::settle_review).
struct review_settlement {
  // succeeded (money moved under the intent's latest attempt) or failed (no
  // money stands under it). Default: failed.
  intent_status as = intent_status::failed;
  // Who decided: 1-100 bytes of text, recorded in the audit entry.
  std::string operator_name;
  // Why: 1-500 bytes of text, recorded in the audit entry.
  std::string reason;
  // What was checked (a ticket, a dashboard entry): at most 1,000 bytes,
  // recorded in the audit entry. Default: none.
  std::string evidence;
  // The card network's own id of the authorization the person found (its
  // transaction id for the attempt's reference): required to settle as
  // succeeded, 1-255 printable ASCII; stored as the attempt's
  // network_transaction_id. Optional for failed (recorded when given).
  std::string network_reference;
};

namespace detail {
struct service_async;
}  // namespace detail

class payment_service {
 public:
  payment_service(idempotency_store& store, card_network& network,
                  service_options options = service_options());
  ~payment_service();
  payment_service(const payment_service&) = delete;
  payment_service& operator=(const payment_service&) = delete;

  // A new intent in status created. Nothing is sent to the network.
  result<payment_response> create_intent(std::string_view tenant, std::string_view key,
                                         const create_params& params, diagnostics* diag = nullptr);

  // Sends the intent to the network as a new attempt: from created or failed;
  // errc::invalid_state from any other status. Returns when the outcome is
  // recorded or the wait budget passes.
  result<payment_response> confirm(std::string_view tenant, std::string_view key,
                                   std::string_view intent, const confirm_params& params,
                                   diagnostics* diag = nullptr);

  // Charges a card for an amount and currency and returns the outcome:
  // creates the intent and its first attempt in one claim, then returns like
  // confirm.
  result<payment_response> charge(std::string_view tenant, std::string_view key,
                                  const charge_params& params, diagnostics* diag = nullptr);

  // From created, requires_action or failed: canceled at once. From
  // requires_capture (manual capture): the hold is released first, a network
  // call under the same protocol as capture (below); released, the intent is
  // canceled; refused or not sent, it stays requires_capture with
  // last_error. errc::invalid_state from any other status. params.reason is
  // kept as the intent's cancellation_reason.
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

  // Captures a requires_capture intent's hold (capture_method manual):
  // params.amount_to_capture (default: all) of the authorized amount; the
  // capture releases the rest. Like an authorization, the capture is an
  // attempt written in init before the network is called, sent at most once
  // under its lease and fence; an unknown outcome is settled by
  // async_lookup_capture, never by sending again. Answers like confirm:
  // succeeded (amount_received() says what was taken), processing (the
  // outcome is not known yet), or requires_capture again with last_error
  // when the network refused or the call was not sent (capture again with a
  // new key). Errors: invalid_state (not requires_capture: a second capture
  // of one intent is refused, and so is a capture of a hold that recovery
  // released after options().authorization_expiry), invalid_amount (0 or
  // above the authorized amount), not_found.
  result<payment_response> capture(std::string_view tenant, std::string_view key,
                                   std::string_view intent, const capture_params& params,
                                   diagnostics* diag = nullptr);

  // Refunds a succeeded intent: params.amount (default: all that is left)
  // of what it received, as a refund of its own (refund.hpp) under the
  // protocol of capture. Several partial refunds may run at once; the sum of
  // those not failed never exceeds amount_received(), under any concurrency
  // of threads, processes and servers: each refund reserves its amount in
  // the claim that writes its attempt, by compare-and-set on the intent.
  // Errors: invalid_state (not succeeded), invalid_amount (0, or more than
  // is left to refund), not_found.
  result<refund_response> refund(std::string_view tenant, std::string_view key,
                                 std::string_view intent, const refund_params& params,
                                 diagnostics* diag = nullptr);

  // A refund by its id, reconciled like retrieve. Another tenant's, or an id
  // that names no refund, is errc::not_found; a malformed id invalid_argument.
  result<payintent::refund> retrieve_refund(std::string_view tenant, std::string_view refund_id,
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
  // access only), and starts the release of up to `limit` holds (intents in
  // requires_capture) authorized longer than options().authorization_expiry
  // ago, as cancel releases one: the release attempt durable under the
  // intent's version before async_release is sent, so of many nodes one
  // starts it; the intent ends canceled, cancellation_reason "abandoned"
  // (on stores that implement idempotency_store::list_requires_capture;
  // on others holds never expire by themselves). Errors only when listing
  // unresolved attempts fails.
  result<recovery_report> recover(std::size_t limit = 100, diagnostics* diag = nullptr);

  // Deletes idempotency keys past options().key_retention, `batch` at a
  // time, until none is left; never a key whose attempt is unresolved (its
  // retry must still replay). Intents and audit entries are kept. Returns how
  // many keys were deleted; an error stops it, and what was deleted stays so.
  result<std::size_t> purge_expired_keys(std::size_t batch = 500, diagnostics* diag = nullptr);

  // Deletes the events (events.hpp) committed more than
  // options().event_retention ago by the store clock, `batch` at a time,
  // until none is left, whether their consumers read them or not. Returns
  // how many were deleted; an error stops it, and what was deleted stays so
  // (errc::not_supported on a store that keeps no events).
  result<std::size_t> purge_events(std::size_t batch = 500, diagnostics* diag = nullptr);

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

  // A person's decision on an intent in requires_review (review_settlement),
  // applied as one fenced, audited transition: the intent's latest attempt
  // is written under its current fencing token, handing it a new one (so a
  // writer still holding the old token is fenced out), and the intent's
  // version is checked. As succeeded, by the attempt's kind: an
  // authorization becomes authorized with network_reference as its
  // network_transaction_id, and the intent succeeded (terminal) or, with
  // capture_method manual, requires_capture; a capture or release becomes
  // succeeded, and the intent succeeded or canceled. As failed: an attempt
  // still init/pending/unknown is voided, last_error.code is
  // "review_settled_failed", and the intent is failed after an
  // authorization (retryable by a new confirm) or back in requires_capture
  // after a capture or release (the hold as it was). A refund's review
  // leaves its intent's status alone, so it is not settled here. The
  // intent's audit entry names the operator, the
  // reason, the evidence and the reference. No idempotency key: a second
  // settle finds the intent settled and answers invalid_state. The caller
  // authorizes the person; the service records who they said they are.
  // Errors: invalid_argument (as neither succeeded nor failed, an empty or
  // malformed field, succeeded without network_reference), raw_card_number
  // (a field holds one; not stored), not_found, invalid_state (not in
  // requires_review, or another attempt is authorized already), and the
  // store's (busy, store_unavailable, storage_read_only, ...), with nothing
  // written. Returns the intent as settled.
  result<payment_intent> settle_review(std::string_view tenant, std::string_view intent,
                                       const review_settlement& settlement,
                                       diagnostics* diag = nullptr);

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
  //    service's pool (service_options::store_threads), the wait for the
  //    network on completion callbacks and timers.
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
  // `token` is any Asio completion token: a callback, asio::use_future,
  // asio::use_awaitable, asio::deferred. docs/async.md has the details and
  // examples/04_async.cpp an example.

  template <class CompletionToken>
  auto async_create_intent(std::string_view tenant, std::string_view key,
                           const create_params& params, diagnostics* diag,
                           CompletionToken&& token);  // void(error_code, payment_response)

  template <class CompletionToken>
  auto async_confirm(std::string_view tenant, std::string_view key, std::string_view intent,
                     const confirm_params& params, diagnostics* diag,
                     CompletionToken&& token);  // void(error_code, payment_response)

  template <class CompletionToken>
  auto async_charge(std::string_view tenant, std::string_view key, const charge_params& params,
                    diagnostics* diag,
                    CompletionToken&& token);  // void(error_code, payment_response)

  template <class CompletionToken>
  auto async_cancel(std::string_view tenant, std::string_view key, std::string_view intent,
                    const cancel_params& params, diagnostics* diag,
                    CompletionToken&& token);  // void(error_code, payment_response)

  template <class CompletionToken>
  auto async_capture(std::string_view tenant, std::string_view key, std::string_view intent,
                     const capture_params& params, diagnostics* diag,
                     CompletionToken&& token);  // void(error_code, payment_response)

  template <class CompletionToken>
  auto async_refund(std::string_view tenant, std::string_view key, std::string_view intent,
                    const refund_params& params, diagnostics* diag,
                    CompletionToken&& token);  // void(error_code, refund_response)

  template <class CompletionToken>
  auto async_retrieve_refund(std::string_view tenant, std::string_view refund_id,
                             diagnostics* diag,
                             CompletionToken&& token);  // void(error_code, refund)

  template <class CompletionToken>
  auto async_authenticate(std::string_view tenant, std::string_view key, std::string_view intent,
                          const authenticate_params& params, diagnostics* diag,
                          CompletionToken&& token);  // void(error_code, payment_response)

  template <class CompletionToken>
  auto async_retrieve(std::string_view tenant, std::string_view intent, diagnostics* diag,
                      CompletionToken&& token);  // void(error_code, payment_intent)

  template <class CompletionToken>
  auto async_audit_trail(std::string_view tenant, std::string_view intent, diagnostics* diag,
                         CompletionToken&& token);  // void(error_code, std::vector<audit_entry>)

  template <class CompletionToken>
  auto async_settle_review(std::string_view tenant, std::string_view intent,
                           const review_settlement& settlement, diagnostics* diag,
                           CompletionToken&& token);  // void(error_code, payment_intent)

 private:
  friend struct detail::service_async;  // the async_ forms' machinery
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace payintent

#include "payintent/detail/service_async.hpp"
