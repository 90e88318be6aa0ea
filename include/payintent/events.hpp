// payintent — the event outbox: durable events a merchant's systems can rely
// on (docs/events.md).
//
// Every committed change a merchant cares about writes one event in the same
// store transaction as the change (an outbox): no event without its change,
// no change without its event, whichever process, server or recovery pass
// made it. Consumers read the events after a cursor, in order, and keep named
// durable cursors in the store (idempotency_store::read_events,
// acknowledge_events); delivery built on them is at-least-once, and a
// consumer dedupes by the event's stable id.
//
// The event types (Stripe's names where Stripe has one), decided by
// store_kit::events_of from the write's audit entries:
//   payment_intent.processing                 intent -> processing
//   payment_intent.requires_action            intent -> requires_action (3-D Secure)
//   payment_intent.succeeded                  intent -> succeeded
//   payment_intent.payment_failed             intent -> failed
//   payment_intent.canceled                   intent -> canceled
//   payment_intent.amount_capturable_updated  intent -> requires_capture (manual capture)
//   payment_intent.requires_review            intent -> requires_review (payintent's own)
//   charge.captured                           a capture attempt -> succeeded
//   charge.refunded                           a refund attempt -> succeeded
//   refund.failed                             a refund attempt -> declined, voided or not_sent
//   refund.requires_review                    a refund's outcome could not be learned, or a
//                                             voided refund was carried out after all: a
//                                             person decides (payintent's own)
// A creation writes no event (the creator has the intent in hand).
#pragma once

#include "payintent/ids.hpp"
#include "payintent/records.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace payintent {

// One event as a store keeps it. Plain data: copyable, comparable.
struct event_record {
  // The store's order of events, across every tenant: increasing in commit
  // order, so a consumer that has read up to N never later finds a new event
  // at or below N (on PostgreSQL too, under concurrent writers:
  // docs/postgres.md, "Events"). Numbers may be missing (a purge, or a write
  // that rolled back on some stores); never reused.
  std::uint64_t sequence = 0;
  // "evt_" and 24 lower-case hex digits, derived from (tenant, intent, the
  // intent's version after the change, type): the same on every read and
  // every redelivery. Consumers dedupe by it.
  std::string id;
  std::string type;  // "payment_intent.succeeded", ... (see above)
  tenant_id tenant;
  intent_id intent;
  std::int64_t created_at_ms = 0;  // the store clock at the change's commit
  // The intent as the change left it (version, updated_at_ms stamped), its
  // `attempts` empty: load() the intent for all of them.
  payment_intent snapshot;
  // The attempt the change wrote, as stored (a refund's amount and state, a
  // capture's); nullopt when it wrote none.
  std::optional<payintent::attempt> attempt;
  friend bool operator==(const event_record&, const event_record&) = default;
};

// Which events idempotency_store::read_events answers.
struct event_query {
  std::uint64_t after = 0;  // events with a greater sequence; 0: from the oldest kept
  tenant_id tenant;         // of this tenant alone; empty: every tenant
  std::string type;         // of this type alone; empty: every type
  std::size_t limit = 100;  // at most this many, in sequence order
  std::string id;           // this event alone (its sequence, for a cursor); empty: any
};

// The longest consumer name a store accepts (errc::invalid_argument beyond,
// or when empty).
inline constexpr std::size_t max_consumer_name = 200;

}  // namespace payintent
