// payintent::sim — which final states the invariants accept, decided once.
//
// Where the library names a set (is_terminal, is_unresolved in status.hpp),
// the rules here are that set; the rest follow docs/design.md, "The state machine" and
// docs/recovery.md ("every intent ends final or requires_review").
#pragma once

#include "payintent/status.hpp"

namespace payintent::sim {

// How many live authorizations an intent may hold at the end of a run.
enum class money_rule : std::uint8_t {
  exactly_one,  // money moved once and is held
  none,         // nothing held: failed, canceled, or never charged
  at_most_one,  // undecided (in flight, or a person decides)
};

constexpr money_rule money_rule_of(intent_status s) noexcept {
  switch (s) {
    case intent_status::succeeded:
    case intent_status::requires_capture:  // the hold waits for capture or release
      return money_rule::exactly_one;
    case intent_status::created:
    case intent_status::requires_action:
    case intent_status::failed:
    case intent_status::canceled:
      return money_rule::none;
    case intent_status::processing:
    case intent_status::requires_review:
      break;
  }
  return money_rule::at_most_one;
}

// Whether a client told status `s` must find it unchanged at the end: the
// library's terminal states (succeeded, canceled). failed is not one: a
// confirm with a new key may charge again, and a late authorization that
// cannot be voided moves it to requires_review.
constexpr bool answer_binds(intent_status s) noexcept {
  return is_terminal(s);
}

// Left in flight at the end of a run: never reconciled.
constexpr bool in_flight(attempt_state s) noexcept {
  return is_unresolved(s);
}
constexpr bool in_flight(intent_status s) noexcept {
  return s == intent_status::processing;
}

}  // namespace payintent::sim
