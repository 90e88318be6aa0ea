// Every write the engine makes goes through here: the store call behind a
// catch-all, then, once it has committed, one transition per audit entry to
// service_options::on_transition. One place, so no commit path can forget
// to tell the observer, and none can tell it of a write that failed.
#pragma once

#include "payintent/idempotency_store.hpp"
#include "payintent/transition.hpp"

namespace payintent::detail {

class committer {
 public:
  committer(idempotency_store& store, transition_observer observer)
      : store_(store), observer_(std::move(observer)) {}

  // store.commit(w); `before` is the intent `w` was planned from.
  result<write_receipt> commit(const payment_intent& before, const intent_write& w) const;

  // store.claim(r); `before` is the intent its write was planned from
  // (nullptr for a new intent). Only a claim that wrote tells the observer.
  result<claim_result> claim(const payment_intent* before, const claim_request& r) const;

  idempotency_store& store() const noexcept { return store_; }

 private:
  void tell(const payment_intent* before, const intent_write& w,
            const write_receipt& receipt) const noexcept;

  idempotency_store& store_;
  transition_observer observer_;
};

}  // namespace payintent::detail
