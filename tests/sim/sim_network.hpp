// payintent::sim — a card network for the deterministic simulator.
//
// It honours the card_network contract (card_network.hpp) while misbehaving
// in every way the contract allows, each chosen per call with the world's
// `uniform`: an authorization is approved, declined, challenged (3-D
// Secure), left pending (it resolves later; lookup reports it), answered
// unknown (money moved or not), not sent, answered so late that its holder's
// lease is long gone ("lost": the contract wants every handler completed
// once, so a lost answer is an `unknown` that comes after 2-6 leases), or it
// reaches the ledger only later ("late arrival"), perhaps after a void of its
// reference, which then reverses it. Lookups and voids may fail.
//
// Every answer is delivered by `schedule`, never inline, after 0-2 leases
// (faults on) or 0-quiet_latency (faults off, when the network approves,
// declines, challenges or pends only, and lookups and voids never fail).
//
// Deterministic: given the same sequence of `uniform` results and the same
// calls, the same answers at the same virtual times. No threads, no clocks.
// Thread-safe (a mutex guards the ledger; no hook is called while it is held).
#pragma once

#include "sim_hooks.hpp"

#include "payintent/card_network.hpp"
#include "payintent/payment_service.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace payintent::sim {

// Per-authorization behaviours are weights, normalised by their sum; with
// faults off only approve, decline, challenge and pending are drawn from.
struct sim_network_options {
  // The service's attempt lease: faulty latency is 0-2 leases, a lost answer
  // comes after 2-6 leases, a late arrival after 1-4. Default: 1 s.
  std::chrono::milliseconds lease{1000};
  // The longest latency with faults off, and a pending authorization's
  // longest wait then. Default: 50 ms.
  std::chrono::milliseconds quiet_latency{50};
  // Default: 0.55, 0.10, 0.08, 0.06, 0.06, 0.05, 0.05, 0.05.
  double approve = 0.55;
  double decline = 0.10;    // "generic_decline"
  double challenge = 0.08;  // next_action with a fresh three_ds_server_trans_id
  double pending = 0.06;    // resolves after 0-2 leases (0-quiet_latency with faults off)
  double unknown = 0.06;    // fault: answered unknown, money moved or not
  double not_sent = 0.05;   // fault: nothing moved
  double lost = 0.05;       // fault: money moved, unknown answered after 2-6 leases
  double late = 0.05;       // fault: arrives after 1-4 leases
  // How often a pending authorization resolves approved (else declined).
  // Default: 0.7.
  double pending_approves = 0.7;
  // How often an `unknown` authorization moved money. Default: 0.5.
  double unknown_moved = 0.5;
  // How often a late arrival's sender hears its real outcome after the
  // arrival (else `unknown` after the usual latency). Default: 0.5.
  double late_answers_after_arrival = 0.5;
  // Faults on: how often a lookup fails (errc::card_network_error); how often
  // a void fails, and how often a failed void was applied nonetheless.
  // Default: 0.1, 0.1, 0.5.
  double lookup_error = 0.1;
  double void_error = 0.1;
  double failed_void_applied = 0.5;
  // Whether faults are drawn at all; see set_faults. Default: true.
  bool faults = true;
};

class sim_network final : public card_network {
 public:
  // `hooks` must stay valid while an answer is scheduled.
  explicit sim_network(sim_world_hooks hooks, sim_network_options options = {});
  ~sim_network() override;

  void async_authorize(const authorization_request& request, authorize_handler handler) override;
  // Found approved, declined or pending (the latest arrival under the
  // reference), with `voided` once a void reached it; not found when nothing
  // arrived. Faults on: sometimes errc::card_network_error.
  void async_lookup(const std::string& reference, lookup_handler handler) override;
  // Reverses what arrived under `reference` and whatever arrives later.
  // Faults on: sometimes errc::card_network_error, applied or not.
  void async_void(const std::string& reference, void_handler handler) override;

  // Turns faults on or off for calls that start after it; answers already
  // scheduled keep their times.
  void set_faults(bool on);
  bool faults() const;

  // The 3DS server and ACS: the cardholder completes challenge
  // `three_ds_server_trans_id` with `trans_status` ("Y", "A", "N", "R",
  // "U"); the result is what the front end hands authenticate. Y and A carry
  // an authentication value (ECI 05 / 06) this network accepts once, on
  // arrival, with the same DS transaction id; N, R and U carry none, and U
  // (no value) is accepted too. Other authentication is declined
  // "authentication_invalid". Ids are serial numbers, so deterministic.
  authenticate_params complete_challenge(const std::string& three_ds_server_trans_id,
                                         const std::string& trans_status);

  // The ledger, per reference; snapshots.
  // Authorizations that moved money and were not voided.
  std::size_t live_authorizations(const std::string& reference) const;
  // Authorizations that moved money, voided or not.
  std::size_t moved(const std::string& reference) const;
  // Whether a void reached the reference (it holds for later arrivals too).
  bool voided(const std::string& reference) const;
  // async_authorize calls made with the reference.
  std::size_t authorize_calls(const std::string& reference) const;
  // Every reference authorized or voided, sorted.
  std::vector<std::string> references() const;
  // The most live authorizations the intent's references held at one
  // moment, over the whole run (by authorization_request::intent).
  std::size_t peak_live_authorizations(const intent_id& intent) const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace payintent::sim
