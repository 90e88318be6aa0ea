// http_card_network — what the gateway's answers mean to payintent.
//
// Pure functions from an exchange (http_exchange.hpp) to card_network's
// outcomes (card_network.hpp). The rule throughout: say "money moved" or
// "no money moved" only when the gateway said so; anything else is unknown
// (authorize) or an error (lookup, void), and payintent's recovery resolves
// it by lookup. A wrong "declined" loses track of money; a wrong "unknown"
// costs one lookup.
#pragma once

#include "http_card_network/http_exchange.hpp"

#include <payintent/card_network.hpp>

namespace payintent::gateway {

// never_connected: not_sent. no_answer: unknown. Answered:
//   200 approved -> approved (the gateway's authorization id),
//   200 declined -> declined (its decline code),
//   200 voided   -> declined "reference_voided" (refused: voided before it arrived),
//   200 pending  -> pending,
//   400          -> declined "invalid_request" (refused, nothing charged),
//   409, 5xx, any other status or an unreadable body -> unknown: the key
//   may already hold an authorization this answer does not describe.
network_outcome authorize_outcome(const exchange_result& r);

// Answered 200 approved/declined/pending: found with that outcome; 200
// voided: found voided; 404: not found. Anything else, or no answer:
// errc::card_network_error (recovery tries again on its backoff schedule,
// then hands the intent to a person).
result<lookup_result> lookup_outcome(const exchange_result& r);

// Answered 200 voided: done. Anything else: errc::card_network_error.
result<void> void_outcome(const exchange_result& r);

}  // namespace payintent::gateway
