// payintent::testing — a scriptable fake card network (target payintent::testing).
//
// For tests, examples and benchmarks. It decides each authorization from the
// payment method token, like a sandbox gateway's test cards, unless a script
// says otherwise, and keeps a ledger of every authorization per reference, so
// a test can count that money moved exactly once. With a journal file it also
// appends one line per authorization, so several processes can be counted
// from outside their memory.
//
// Captures, releases and refunds are approved unless scripted
// (script_next(kind, ...)) or their reference was voided first (declined
// "reference_voided", nothing moved); an approved release voids the
// authorization it names. Each has its ledger per reference like an
// authorization, and lookup_capture/_release/_refund answer like lookup.
//
// lookup answers found (approved or declined), found voided, or not found;
// void reverses what arrived and, by default, what arrives later (the
// card_network contract).
//
// Thread-safe. Latency is simulated with timers on the fake's own threads:
// callers never block, and the handler completes on a fake thread (or inline
// when the latency is zero).
#pragma once

#include "payintent/card_network.hpp"
#include "payintent/payment_service.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace payintent::testing {

// Test tokens (any other token is approved):
inline constexpr const char* pm_approve = "pm_card_visa";
inline constexpr const char* pm_decline = "pm_card_chargeDeclined";                 // declined "generic_decline"
inline constexpr const char* pm_insufficient_funds = "pm_card_insufficientFunds";   // declined "insufficient_funds"
// 3-D Secure: challenge; an authorization carrying authentication minted by
// complete_challenge (Y or A, or U without a value) is approved, any other
// authentication declined "authentication_invalid".
inline constexpr const char* pm_challenge = "pm_card_threeDSecureRequired";
// 3-D Secure frictionless: the network authenticates without a challenge and approves.
inline constexpr const char* pm_frictionless = "pm_card_threeDSecureFrictionless";
inline constexpr const char* pm_pending = "pm_card_pending";                        // pending; lookup later finds approved
inline constexpr const char* pm_unknown = "pm_card_timeout";  // approved by the "network", answered unknown
inline constexpr const char* pm_not_sent = "pm_card_notSent";  // not_sent, nothing recorded
inline constexpr const char* pm_throw = "pm_card_throw";       // async_authorize throws std::runtime_error

struct fake_network_options {
  // Each call completes after a uniformly random delay in [min, max].
  // Default: 0-0 (complete inline).
  std::chrono::milliseconds min_latency{0};
  std::chrono::milliseconds max_latency{0};
  // When set, every authorization that moved money is appended as one line
  // "authorize <reference> <amount> <currency>\n" (and "void <reference>\n"
  // for voids; "capture|release|refund <reference> <amount>\n" for those),
  // with O_APPEND so many processes can share it. Default: none.
  std::string journal_path;
  // Whether lookup and void are supported. Default: true.
  bool supports_lookup = true;
  bool supports_void = true;
  // Whether a void also reverses an authorization under its reference that
  // arrives after it, as card_network's contract requires (the arrival is
  // recorded, journaled and at once reversed; lookup answers found voided).
  // false plays a network that breaks the contract: the late arrival is
  // live again until voided anew. Default: true.
  bool void_reverses_late_arrivals = true;
  // Threads that run the simulated latency. Default: 2.
  std::size_t threads = 2;
  // Whether requests() keeps a copy of every call. Benchmarks turn it off so
  // the fake's memory does not grow with the run. Default: true.
  bool keep_requests = true;
};

class fake_card_network final : public card_network {
 public:
  explicit fake_card_network(fake_network_options options = {});
  ~fake_card_network() override;  // waits for pending completions

  void async_authorize(const authorization_request& request, authorize_handler handler) override;
  void async_lookup(const std::string& reference, lookup_handler handler) override;
  void async_void(const std::string& reference, void_handler handler) override;
  void async_capture(const follow_up_request& request, follow_up_handler handler) override;
  void async_release(const follow_up_request& request, follow_up_handler handler) override;
  void async_refund(const follow_up_request& request, follow_up_handler handler) override;
  void async_lookup_capture(const std::string& reference, lookup_handler handler) override;
  void async_lookup_release(const std::string& reference, lookup_handler handler) override;
  void async_lookup_refund(const std::string& reference, lookup_handler handler) override;

  // Script the next capture, release or refund calls (by kind, in order):
  // they answer `outcome`; approved, pending and unknown carry it out (money
  // moves, as a token's would). script_throw: the next call of `kind` throws
  // std::runtime_error without carrying anything out.
  void script_next(attempt_kind kind, network_outcome outcome);
  void script_throw(attempt_kind kind);

  // Script: the next authorization calls (in order, any reference) answer
  // these outcomes instead of the token's. An approved/unknown/pending
  // scripted outcome records money moved like the token would.
  void script_next(network_outcome outcome);

  // The fake's 3DS server and ACS: the cardholder completes the challenge
  // `three_ds_server_trans_id` with `trans_status` ("Y", "A", "N", "R", "U"),
  // and this is what the front end hands the server for authenticate. Y and
  // A carry a fresh authentication value (ECI 05 / 06) that this network will
  // accept once with the same DS transaction id; N, R and U carry none.
  authenticate_params complete_challenge(const std::string& three_ds_server_trans_id,
                                         const std::string& trans_status);

  // Ledger. Thread-safe snapshots.
  std::size_t authorize_calls() const;                           // every call
  std::size_t authorize_calls(const std::string& reference) const;
  std::size_t authorizations() const;                  // calls that moved money (approved,
                                                       // and the unknown/pending that did)
  std::size_t authorizations(const std::string& reference) const;
  std::size_t voids() const;
  bool is_voided(const std::string& reference) const;
  // Money held under `reference`: authorized and not voided.
  bool is_live(const std::string& reference) const;
  std::vector<authorization_request> requests() const;  // every call, in order
                                                        // (empty unless keep_requests)
  // Captures, releases and refunds: calls made, calls carried out (money
  // moved or, for a release, the hold let go) in all or under one reference,
  // and the minor units carried out.
  std::size_t follow_up_calls(attempt_kind kind) const;
  std::size_t carried_out(attempt_kind kind) const;
  std::size_t carried_out(const std::string& reference) const;
  std::int64_t amount_carried_out(attempt_kind kind) const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

// What a journal file says of one reference. A fake whose lookup misses in
// its own memory consults its journal this way, so a process recovering
// after another's crash learns what the network saw.
struct journal_entry {
  bool authorized = false;
  bool voided = false;
};
journal_entry read_journal_entry(const std::string& path, const std::string& reference);

// The minor units of the "<verb> <reference> <amount>" lines of a journal
// file ("capture", "refund"), summed, and how many there were per reference.
struct journal_total {
  std::int64_t amount = 0;
  std::map<std::string, std::size_t> per_reference;
};
journal_total read_journal_total(const std::string& path, const std::string& verb);

// Counts the "authorize" lines of a journal file, per reference.
std::map<std::string, std::size_t> read_journal_authorizations(const std::string& path);

}  // namespace payintent::testing
