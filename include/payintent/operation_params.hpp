// payintent — the parameters of each mutating operation of payment_service.
//
// Plain aggregates, validated by the operation that takes them: a malformed
// field is errc::invalid_argument, whose diagnostics name the field, never
// its value. What the fingerprint covers (docs/design.md, "Idempotency
// contract"): every field except a wait_budget and 3-D Secure's
// authentication_value, so a retry with the same key and the same fields
// replays, and one with other fields is errc::idempotency_key_reused.
#pragma once

#include "payintent/status.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace payintent {

// Creates an intent in status created. Nothing is sent to the network.
struct create_params {
  std::int64_t amount = 0;                      // minor units, > 0
  std::string currency;                         // ISO 4217, any case
  std::string payment_method;                   // optional here; required by confirm if empty
  std::string description;                      // optional, <= 1000 bytes
  std::map<std::string, std::string> metadata;  // optional, see validate_metadata
  // manual: an authorization stops at requires_capture (payment_service::capture).
  payintent::capture_method capture_method = payintent::capture_method::automatic;
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
  payintent::capture_method capture_method = payintent::capture_method::automatic;
  std::optional<std::chrono::milliseconds> wait_budget;
};

// Cancels an intent; one in requires_capture has its hold released first.
struct cancel_params {
  // Optional: "duplicate", "fraudulent", "requested_by_customer" or
  // "abandoned" (Stripe's cancellation_reason); anything else is
  // errc::invalid_argument. Kept as the intent's cancellation_reason.
  std::string reason;
  // nullopt: service_options::default_wait_budget (a release waits for the
  // network). Not part of the fingerprint.
  std::optional<std::chrono::milliseconds> wait_budget;
};

// Captures a requires_capture intent's hold (payment_service::capture).
struct capture_params {
  // Minor units to take, 1..the intent's amount; the rest of the hold is
  // released by the capture. nullopt: the whole amount.
  std::optional<std::int64_t> amount_to_capture;
  // nullopt: service_options::default_wait_budget. Not part of the fingerprint.
  std::optional<std::chrono::milliseconds> wait_budget;
};

// Gives captured money back (payment_service::refund).
struct refund_params {
  // Minor units, 1..what was captured and is not yet refunded or being
  // refunded. nullopt: all of that.
  std::optional<std::int64_t> amount;
  // Optional: "duplicate", "fraudulent" or "requested_by_customer" (Stripe's).
  std::string reason;
  // nullopt: service_options::default_wait_budget. Not part of the fingerprint.
  std::optional<std::chrono::milliseconds> wait_budget;
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

}  // namespace payintent
