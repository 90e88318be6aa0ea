// http_card_network — the example's proof: payintent's intents against the
// gateway's own books (the simulator's ledger).
//
// Exactly once means, per intent: succeeded with exactly one live charge
// (approved, not voided) under its attempts' references, or failed (or
// canceled) with none; and no key charged twice, and no charge that belongs
// to no intent. An intent still processing, or in review, fails the check:
// the story ends only once recovery has settled everything.
#pragma once

#include "http_card_network/gateway_ledger.hpp"

#include <payintent/records.hpp>

#include <string>
#include <vector>

namespace payintent::gateway {

struct ledger_verdict {
  bool ok = true;
  std::vector<std::string> lines;  // one per intent, then one per problem found
};

ledger_verdict check_ledger(const std::vector<payment_intent>& intents,
                            const std::vector<ledger_entry>& books);

}  // namespace payintent::gateway
