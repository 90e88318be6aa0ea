// payintent — the store kit's part of the event outbox (events.hpp): which
// events a write appends, decided once for every store (docs/adapters.md,
// "The store kit"; docs/events.md).
//
// Inside the transaction (or under the lock) that applies a checked write, a
// store that keeps events persists what `events_of` answers, numbering them
// in its commit order (event_record::sequence).
#pragma once

#include "payintent/events.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/store_kit.hpp"

#include <string_view>
#include <vector>

namespace payintent::store_kit {

// The event type an audit event of a write announces (events.hpp lists them),
// or empty when it announces none. `written` is the attempt the write
// writes (nullptr: none); an attempt's entry names its kind through it.
std::string_view event_type_of(const audit_event& e, const attempt* written) noexcept;

// The events a checked write appends, one per audit event that announces one,
// in the audit events' order: stamped with checked.receipt (created_at_ms =
// store_time_ms; the snapshot's version and updated_at_ms; created_at_ms
// for a new intent) and checked.attempt_row (call it before moving that
// row out); sequence 0, for the store to number. May throw std::bad_alloc.
std::vector<event_record> events_of(const intent_write& w, const checked_write& checked);

// The stable id of an event (event_record::id): "evt_" and 24 hex digits of
// SHA-256 over tenant, intent, version and type.
std::string event_id(const tenant_id& tenant, const intent_id& intent, std::uint64_t version,
                     std::string_view type);

// Whether `name` may name a consumer: 1 to max_consumer_name bytes.
constexpr bool valid_consumer_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_consumer_name;
}

// Whether `e` is one of those `q` asks for (its limit aside).
bool asked_for(const event_record& e, const event_query& q) noexcept;

}  // namespace payintent::store_kit
