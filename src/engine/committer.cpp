#include "engine/committer.hpp"

#include "engine/planner.hpp"
#include "payintent/store_kit.hpp"

namespace payintent::detail {

result<payment_intent> committer::commit(const payment_intent& before, intent_write w) const {
  auto receipt = store_kit::guard([&] { return store_.commit(w); });
  if (!receipt) return receipt.error();
  return after_commit(&before, std::move(w), receipt.value());
}

result<claimed_key> committer::claim(const payment_intent* before, claim_request r) const {
  auto claimed = store_kit::guard([&] { return store_.claim(r); });
  if (!claimed) return claimed.error();
  claimed_key out{std::move(claimed).value(), std::nullopt};
  if (out.result.status == claim_status::claimed && r.write) {
    out.after = after_commit(before, std::move(*r.write), out.result.receipt);
  }
  return out;
}

payment_intent committer::after_commit(const payment_intent* before, intent_write&& w,
                                       const write_receipt& receipt) const {
  std::vector<audit_event> audit = std::move(w.audit);
  payment_intent after = after_write(before, std::move(w), receipt);
  if (!observer_) return after;
  for (const audit_event& e : audit) {
    try {
      observer_(transition{after.tenant, after.id, e.attempt_number, e.event, e.from, e.to,
                           e.detail, receipt.store_time_ms, after});
    } catch (...) {
      // The observer's trouble is its own: the transition has committed.
    }
  }
  return after;
}

}  // namespace payintent::detail
