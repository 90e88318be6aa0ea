// The store contract's write rules, shared by the bundled stores so that each
// applies them in the same order: intent existence, then the attempt's fence,
// then the intent's version, then the attempt number or lease. Private to the
// adapters (header-only, not installed).
#pragma once

#include "payintent/idempotency_store.hpp"

#include <cstdint>
#include <optional>
#include <type_traits>

namespace payintent::adapter_detail {

// Checks `w` against what the store holds. `version` is the intent's current
// version (nullopt: no such intent); `load_attempt(number)` answers
// result<X>, where X is std::optional<attempt> or const attempt* (a store
// holding rows in memory lends it without a copy), and is called only for a
// fenced write; `count_attempts()` answers result<int> (the highest attempt
// number) and is called only for a new attempt. On success returns the
// attempt a fenced write replaces, as load_attempt gave it (empty for a new
// attempt or none).
template <class LoadAttempt, class CountAttempts>
auto check_write(const intent_write& w, std::optional<std::uint64_t> version, std::int64_t now_ms,
                 LoadAttempt&& load_attempt, CountAttempts&& count_attempts)
    -> result<std::decay_t<decltype(load_attempt(0).value())>> {
  if (w.expected_version == 0 && version) return errc::version_conflict;
  if (w.expected_version != 0 && !version) return errc::not_found;
  std::decay_t<decltype(load_attempt(0).value())> current{};
  if (w.attempt && w.attempt->expected_fence) {
    BOOST_OUTCOME_TRY(current, load_attempt(w.attempt->value.number));
    if (!current) return errc::not_found;
    // A stale writer learns it lost the attempt before it learns the intent
    // moved on: fenced_out tells it to stop, version_conflict to reload.
    if (current->fence != *w.attempt->expected_fence) return errc::fenced_out;
  }
  if (version && *version != w.expected_version) return errc::version_conflict;
  if (w.attempt) {
    if (!current) {
      BOOST_OUTCOME_TRY(const int count, count_attempts());
      if (w.attempt->value.number != count + 1) return errc::version_conflict;
    } else if (w.attempt->require_lease_expired && current->lease_expires_at_ms > now_ms) {
      return errc::version_conflict;
    }
  }
  return current;
}

// The attempt row a checked write stores: its lease from the store clock
// (when a ttl is given), created_at kept from the attempt it replaces.
// stamp_in_place stamps `value`, a copy of a.value, where it already lies;
// stamp_attempt makes the copy.
template <class Current>  // std::optional<attempt> or const attempt*, as check_write gave it
void stamp_in_place(attempt& value, const attempt_write& a, const Current& current,
                    std::int64_t now_ms) {
  if (a.lease_ttl_ms > 0) value.lease_expires_at_ms = now_ms + a.lease_ttl_ms;
  value.created_at_ms = current ? current->created_at_ms : now_ms;
  value.updated_at_ms = now_ms;
}

template <class Current>
attempt stamp_attempt(const attempt_write& a, const Current& current, std::int64_t now_ms) {
  attempt value = a.value;
  stamp_in_place(value, a, current, now_ms);
  return value;
}

}  // namespace payintent::adapter_detail
