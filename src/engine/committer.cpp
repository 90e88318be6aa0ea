#include "engine/committer.hpp"

#include "engine/planner.hpp"
#include "payintent/store_kit.hpp"

namespace payintent::detail {

result<write_receipt> committer::commit(const payment_intent& before, const intent_write& w) const {
  auto receipt = store_kit::guard([&] { return store_.commit(w); });
  if (receipt) tell(&before, w, receipt.value());
  return receipt;
}

result<claim_result> committer::claim(const payment_intent* before, const claim_request& r) const {
  auto claimed = store_kit::guard([&] { return store_.claim(r); });
  if (claimed && claimed.value().status == claim_status::claimed && r.write) {
    tell(before, *r.write, claimed.value().receipt);
  }
  return claimed;
}

void committer::tell(const payment_intent* before, const intent_write& w,
                     const write_receipt& receipt) const noexcept {
  if (!observer_ || w.audit.empty()) return;
  try {
    const payment_intent after = after_write(before, intent_write(w), receipt);
    for (const audit_event& e : w.audit) {
      try {
        observer_(transition{after.tenant, after.id, e.attempt_number, e.event, e.from, e.to,
                             e.detail, receipt.store_time_ms, after});
      } catch (...) {
        // The observer's trouble is its own: the transition has committed.
      }
    }
  } catch (...) {
    // Out of memory building the notice: the commit stands; the notice is lost.
  }
}

}  // namespace payintent::detail
