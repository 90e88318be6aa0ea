// payintent — the parameters of each mutating operation of payment_service.
//
// Plain aggregates, validated by the operation that takes them: a malformed
// field is errc::invalid_argument, whose diagnostics name the field, never
// its value. What the fingerprint covers (docs/design.md, "Idempotency
// contract"): every field except a wait_budget and 3-D Secure's
// authentication_value, so a retry with the same key and the same fields
// replays, and one with other fields is errc::idempotency_key_reused.
#pragma once

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

}  // namespace payintent
