// payintent — the records a store keeps and the service returns.
//
// These are plain aggregates: copyable, comparable, no behaviour. Times are
// milliseconds since the Unix epoch on the store's clock (never the caller's),
// so that leases and audit entries agree across processes and servers.
//
// One record serves the store and the caller: the intent a store loads is the
// intent a call returns, with no translation in between where the two could
// drift apart. What is whose:
//  - A caller reads payment_intent and attempt, and acts on the fields
//    marked "caller" below. The fields marked "store" are bookkeeping of the
//    exactly-once protocol (who holds an attempt, until when, under which
//    fencing token; the intent's compare-and-set version): shown so that
//    operators and audits can see them, never sent back by a caller and never
//    needed to use the API. examples/http_server leaves them out of its JSON.
//  - Only a store reads and writes operation, stored_result, key_record and
//    audit_event; callers see audit entries (audit_entry) through
//    payment_service::audit_trail.
#pragma once

#include "payintent/currency.hpp"
#include "payintent/error.hpp"
#include "payintent/ids.hpp"
#include "payintent/status.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace payintent {

// Why the last attempt failed, shaped like Stripe's last_payment_error.
struct payment_error {
  std::string code;          // "card_declined", "network_not_sent", "card_network_error", ...
  std::string decline_code;  // the network's reason when code == "card_declined"
  std::string message;       // for people; never holds a card number
  friend bool operator==(const payment_error&, const payment_error&) = default;
};

// What the customer must do next: a 3-D Secure challenge (docs/three_ds.md).
struct next_action {
  std::string type;                      // "redirect_to_url" or "use_sdk"
  std::string redirect_url;              // for redirect_to_url
  std::string sdk_payload;               // for use_sdk: opaque to payintent
  std::string three_ds_server_trans_id;  // identifies the challenge
  friend bool operator==(const next_action&, const next_action&) = default;
};

// One dispatch to the card network.
struct attempt {
  // Caller: what was sent and what came of it.
  int number = 0;                     // 1-based, in order of creation
  std::string reference;              // attempt_reference(intent, number): the network's key
  attempt_kind kind = attempt_kind::authorization;  // what it asks the network to do
  attempt_state state = attempt_state::init;
  std::string payment_method;         // opaque token sent with this attempt
  std::string decline_code;           // when declined
  std::string network_transaction_id; // when the network gave one
  // Minor units of the intent's currency a capture takes or a refund gives
  // back; 0 for an authorization (it asks for the intent's amount) and a release.
  std::int64_t amount = 0;
  std::string reason;  // a refund's reason, a release's cancellation_reason; else empty
  // Store: who holds the attempt (docs/recovery.md, "The protocol").
  std::uint64_t fence = 0;            // fencing token of the current holder (>= 1)
  std::int64_t lease_expires_at_ms = 0;  // 0 when no one holds the attempt
  std::string node_id;                // the node that holds or last held it
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  friend bool operator==(const attempt&, const attempt&) = default;
};

// A payment intent: what a call returns and a store keeps.
struct payment_intent {
  // Caller: everything but `version`.
  intent_id id;
  tenant_id tenant;
  money amount;
  intent_status status = intent_status::created;
  std::string payment_method;  // opaque token; empty until given
  std::string description;
  std::map<std::string, std::string> metadata;
  std::optional<payment_error> last_error;
  std::optional<payintent::next_action> next_action;
  std::vector<attempt> attempts;  // oldest first
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  payintent::capture_method capture_method = payintent::capture_method::automatic;
  // Why it was canceled: "duplicate", "fraudulent", "requested_by_customer",
  // "abandoned", or empty (none given, or not canceled).
  std::string cancellation_reason;
  // Store: the compare-and-set counter, bumped by every committed change; 1
  // after creation. A caller may order two snapshots of one intent by it (a
  // higher version is newer: a stale webhook can be told from a fresh one).
  std::uint64_t version = 0;

  // The newest attempt, or nullptr when there is none.
  const attempt* latest_attempt() const noexcept {
    return attempts.empty() ? nullptr : &attempts.back();
  }
  // Minor units the network took: the amount of an authorized authorization
  // under automatic capture, the amount of a succeeded capture under manual.
  std::int64_t amount_received() const noexcept;
  // Minor units given back: the sum of the succeeded refunds.
  std::int64_t amount_refunded() const noexcept;
  friend bool operator==(const payment_intent&, const payment_intent&) = default;
};

// The mutating operations an idempotency key can name. Persisted: never renumber.
enum class operation : std::uint8_t {
  create_intent = 1,
  confirm = 2,
  charge = 3,
  cancel = 4,
  authenticate = 5,
  capture = 6,
  refund = 7,
};
std::string_view to_string(operation op) noexcept;

// What a completed operation answered, kept with its key so a retry gets the
// same answer. Only definitive outcomes are stored (docs/design.md, "Idempotency contract").
struct stored_result {
  int code = 0;             // 0 = accepted; else a payintent::errc value
  std::string message;      // the diagnostics message of a rejection
  intent_id intent;         // the intent the operation acted on (may be empty on rejection)
  int attempt_number = 0;   // the attempt it started, 0 if none
  friend bool operator==(const stored_result&, const stored_result&) = default;
};

// One idempotency key and what it answered.
struct key_record {
  tenant_id tenant;
  idempotency_key key;
  operation op = operation::create_intent;
  std::string fingerprint;      // lower-case hex SHA-256 of the canonical request
  int fingerprint_version = 0;  // the canonical encoding's version
  stored_result result;
  std::int64_t created_at_ms = 0;   // set by the store
  std::int64_t expires_at_ms = 0;   // set by the store: created + retention
  friend bool operator==(const key_record&, const key_record&) = default;
};

// One audit entry as the service asks for it; the store stamps the rest.
struct audit_event {
  int attempt_number = 0;  // 0 when the entry is about the intent alone
  std::string event;       // "intent.created", "attempt.authorized", "late_outcome", ...
  std::string from;        // previous status or state name; empty for a creation
  std::string to;          // new status or state name
  std::string detail;      // short reason: decline code, review reason; never secrets
  // The fence the writer held, for an entry that writes no attempt: a
  // fenced-out writer's late report names its own, stale, fence. 0: the
  // store stamps the written attempt's fence (0 when none is written).
  std::uint64_t fence = 0;
  friend bool operator==(const audit_event&, const audit_event&) = default;
};

// An append-only, hash-chained audit entry (docs/design.md, "Audit"). Each intent has
// its own chain: sequence counts from 1 per intent, and prev_hash is the hash
// of the entry before (64 zeros for the first). Per-intent chains let many
// servers append without a global hot spot; the intent row serialises them.
struct audit_entry {
  std::uint64_t sequence = 0;
  std::int64_t time_ms = 0;  // store clock
  tenant_id tenant;
  intent_id intent;
  int attempt_number = 0;
  std::string event;
  std::string from;
  std::string to;
  std::string detail;
  std::string node_id;
  std::uint64_t fence = 0;
  std::string prev_hash;  // lower-case hex
  std::string hash;       // lower-case hex SHA-256 over the fields above
  friend bool operator==(const audit_entry&, const audit_entry&) = default;
};

}  // namespace payintent

template <>
struct fmt::formatter<payintent::operation> : fmt::formatter<std::string_view> {
  auto format(payintent::operation op, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(payintent::to_string(op), ctx);
  }
};

// "pi_4Jx... 19.99 EUR succeeded (acme, 1 attempt)". Metadata, description
// and payment method are left out: logs need the state, not the data.
template <>
struct fmt::formatter<payintent::payment_intent> : fmt::formatter<std::string_view> {
  auto format(const payintent::payment_intent& i, format_context& ctx) const
      -> format_context::iterator;
};

// "a2 authorized fence=1 node=server-1" (plus " decline=<code>" when declined).
template <>
struct fmt::formatter<payintent::attempt> : fmt::formatter<std::string_view> {
  auto format(const payintent::attempt& a, format_context& ctx) const -> format_context::iterator;
};

// "card_declined/insufficient_funds: The card was declined."
template <>
struct fmt::formatter<payintent::payment_error> : fmt::formatter<std::string_view> {
  auto format(const payintent::payment_error& e, format_context& ctx) const
      -> format_context::iterator;
};

// "#3 2026-11-25T12:00:01.250Z attempt.authorized init->authorized a1 fence=1 node=node-1",
// then " (<detail>)" when there is one; "a<n>" is left out for intent-only entries.
template <>
struct fmt::formatter<payintent::audit_entry> : fmt::formatter<std::string_view> {
  auto format(const payintent::audit_entry& e, format_context& ctx) const -> format_context::iterator;
};
