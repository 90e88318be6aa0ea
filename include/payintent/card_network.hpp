// payintent — the card network, supplied by you (docs/recovery.md).
//
// payintent never talks to a card network itself: you implement this
// interface around your acquirer or gateway client (examples/http_card_network/
// is one over HTTP, written to be copied). The service calls
// `async_authorize` at most once per attempt reference, after the attempt has
// been durably written; it never assumes the network deduplicates, but passes
// a deterministic reference so one that does can.
//
// Threading: calls may come from any thread, concurrently. Complete each
// handler exactly once, from any thread, possibly before the call returns.
// Throwing from a call is allowed and caught: the service treats it as
// "outcome unknown" for authorize (the request may have left) and as a failed
// lookup or void otherwise.
#pragma once

#include "payintent/currency.hpp"
#include "payintent/error.hpp"
#include "payintent/ids.hpp"
#include "payintent/records.hpp"

#include <boost/asio/any_completion_handler.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace payintent {

// 3-D Secure authentication data carried by an authorization after a
// challenge. Sensitive: payintent never logs it and never returns it.
struct three_ds_authentication {
  std::string authentication_value;  // CAVV / AAV
  std::string eci;                   // electronic commerce indicator, e.g. "05"
  std::string ds_transaction_id;     // directory server transaction id
  std::string version;               // "2.2.0"
  // The challenge's transStatus: 'Y' authenticated, 'A' attempted, or 'U'
  // (authorizing without a liability shift; authentication_value empty).
  char trans_status = 'Y';
};

// What the service asks the network to do.
struct authorization_request {
  std::string reference;  // attempt_reference(intent, attempt_number): stable across retries
  tenant_id tenant;
  intent_id intent;
  int attempt_number = 0;
  money amount;
  std::string payment_method;  // opaque token
  std::optional<three_ds_authentication> authentication;
};

// A capture, release or refund of an authorization (attempt_kind says
// which): one network call under its own reference, sent at most once, after
// its attempt has been durably written, like an authorization.
struct follow_up_request {
  attempt_kind kind = attempt_kind::capture;
  std::string reference;  // attempt_reference(intent, attempt_number) of this call: stable
  std::string authorization_reference;  // of the authorization it captures, releases or refunds
  std::string authorization_transaction_id;  // the network's id of that authorization, if given
  tenant_id tenant;
  intent_id intent;
  int attempt_number = 0;
  // capture: what to take (the rest of the hold is released by the capture);
  // refund: what to give back; release: the whole authorized amount.
  money amount;
  std::string reason;  // refund: its reason; release: the cancellation_reason; may be empty
};

enum class outcome_kind : std::uint8_t {
  approved = 1,   // money moved
  declined = 2,   // definitely refused; decline_code says why
  challenge = 3,  // 3-D Secure step-up needed; action says how
  pending = 4,    // the network will decide later (lookup will tell)
  unknown = 5,    // sent, but no answer: timeout, connection lost
  not_sent = 6,   // provably never left (connect refused, validation failed locally)
};
std::string_view to_string(outcome_kind k) noexcept;

// The network's answer to an authorization (or what lookup learned).
struct network_outcome {
  outcome_kind kind = outcome_kind::unknown;
  std::string decline_code;            // for declined: "insufficient_funds", ...
  std::optional<next_action> action;   // for challenge
  std::string network_transaction_id;  // when the network assigns one
  std::string message;                 // for people; never a card number

  static network_outcome approved(std::string network_transaction_id = {});
  static network_outcome declined(std::string decline_code);
  static network_outcome challenge(next_action action);
  static network_outcome pending();
  static network_outcome unknown(std::string message = {});
  static network_outcome not_sent(std::string message = {});
};

// What a lookup found for a reference: found approved, found declined (or
// pending), found voided, or not found.
struct lookup_result {
  bool found = false;       // false: the network has no authorization under it
  network_outcome outcome;  // when found: approved, declined, pending, ...
  // When found: the authorization was voided (reversed), by a void before or
  // after it arrived. No money is held under the reference. Recovery treats
  // it as not found: the attempt is voided and the intent fails.
  bool voided = false;
};

class card_network {
 public:
  using authorize_handler = boost::asio::any_completion_handler<void(network_outcome)>;
  using lookup_handler = boost::asio::any_completion_handler<void(error_code, lookup_result)>;
  using void_handler = boost::asio::any_completion_handler<void(error_code)>;
  // An error means the request was not sent (errc::not_supported: the
  // network has no such call); otherwise the outcome, as for authorize.
  using follow_up_handler = boost::asio::any_completion_handler<void(error_code, network_outcome)>;

  virtual ~card_network() = default;
  card_network(const card_network&) = delete;
  card_network& operator=(const card_network&) = delete;

  // Sends one authorization. Complete with the outcome; report transport
  // failures after sending as outcome_kind::unknown, before as not_sent.
  virtual void async_authorize(const authorization_request& request,
                               authorize_handler handler) = 0;

  // Asks what happened to `reference`: found approved, declined or pending
  // (outcome), found voided (voided), or not found. Default:
  // errc::not_supported.
  virtual void async_lookup(const std::string& reference, lookup_handler handler);

  // Reverses any authorization under `reference` (idempotent: voiding what
  // does not exist succeeds). The protocol relies on this: the void also
  // holds for an authorization under `reference` that reaches the network
  // AFTER the void (a request still in transit when recovery gave up on it):
  // the network reverses it, or refuses it, and lookup then answers found
  // voided or not found. A network that cannot promise it leaves a window
  // that only its late answer reveals: the service then voids again and
  // checks by lookup, and hands the intent to requires_review when money
  // stays live (docs/recovery.md). Default: errc::not_supported.
  virtual void async_void(const std::string& reference, void_handler handler);

  // ---- Capture, release, refund (added after the calls above) -------------
  //
  // Each moves money (a release lets a hold go) and is sent at most once per
  // reference, like authorize: approved means carried out (a capture of less
  // than authorized also releases the rest), declined refused, pending and
  // unknown are settled by the matching lookup, not_sent never left. Their
  // lookups answer like async_lookup: found with the outcome, or not found.
  // async_void(reference) must also hold for these references: recovery
  // voids one that lookup did not find, and the network then refuses (or
  // reverses) a capture, release or refund under it that arrives later.
  // Default of each: errc::not_supported (the intent answers it as not sent).
  virtual void async_capture(const follow_up_request& request, follow_up_handler handler);
  virtual void async_release(const follow_up_request& request, follow_up_handler handler);
  virtual void async_refund(const follow_up_request& request, follow_up_handler handler);
  virtual void async_lookup_capture(const std::string& reference, lookup_handler handler);
  virtual void async_lookup_release(const std::string& reference, lookup_handler handler);
  virtual void async_lookup_refund(const std::string& reference, lookup_handler handler);

 protected:
  card_network() = default;
};

// Adapts a blocking network client: override the blocking functions below
// (authorize at least); each call runs on this adapter's own thread pool, so
// the service's threads never block on the network, and each may block as
// long as its client does (tests block them on purpose to pause a call in
// transit). Destruction waits for calls in flight.
class blocking_card_network : public card_network {
 public:
  // threads: how many blocking calls may run at once. Default: 8.
  explicit blocking_card_network(std::size_t threads = 8);
  ~blocking_card_network() override;

  void async_authorize(const authorization_request& request, authorize_handler handler) final;
  void async_lookup(const std::string& reference, lookup_handler handler) final;
  void async_void(const std::string& reference, void_handler handler) final;
  void async_capture(const follow_up_request& request, follow_up_handler handler) final;
  void async_release(const follow_up_request& request, follow_up_handler handler) final;
  void async_refund(const follow_up_request& request, follow_up_handler handler) final;
  void async_lookup_capture(const std::string& reference, lookup_handler handler) final;
  void async_lookup_release(const std::string& reference, lookup_handler handler) final;
  void async_lookup_refund(const std::string& reference, lookup_handler handler) final;

 protected:
  // A throw is an unknown outcome (the request may have left).
  virtual network_outcome authorize(const authorization_request& request) = 0;
  // Default: errc::not_supported. A throw is errc::card_network_error.
  virtual result<lookup_result> lookup(const std::string& reference);
  // Default: errc::not_supported. A throw is errc::card_network_error.
  virtual result<void> void_authorization(const std::string& reference);

  // Capture, release and refund, under card_network's contract for each
  // (added after the calls above). An error means not sent (the service
  // answers the intent as card_network's default would); a throw is an
  // unknown outcome, settled by the matching lookup. Default of each:
  // errc::not_supported.
  virtual result<network_outcome> capture(const follow_up_request& request);
  virtual result<network_outcome> release(const follow_up_request& request);
  virtual result<network_outcome> refund(const follow_up_request& request);
  // The lookup of a capture, release or refund (`kind`) under `reference`,
  // answered like lookup. Default: errc::not_supported. A throw is
  // errc::card_network_error.
  virtual result<lookup_result> lookup_follow_up(attempt_kind kind, const std::string& reference);

  // Waits for the calls in flight, then completes later calls at once
  // (authorize, capture, release, refund: not_sent; the lookups and void:
  // errc::card_network_error). Call it first in your destructor when your
  // blocking functions use your members: the base destructor runs after
  // they are gone. Idempotent.
  void shutdown() noexcept;

 private:
  struct pool;
  // Runs `call` on the pool and hands what it answers to `handler`.
  void run_lookup(std::function<result<lookup_result>()> call, lookup_handler handler);
  void run_follow_up(const follow_up_request& request, follow_up_handler handler);
  std::unique_ptr<pool> pool_;
};

}  // namespace payintent

template <>
struct fmt::formatter<payintent::outcome_kind> : fmt::formatter<std::string_view> {
  auto format(payintent::outcome_kind k, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::to_string(k), ctx);
  }
};
