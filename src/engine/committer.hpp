// Every write the engine makes goes through here: the store call behind a
// catch-all; once it has committed, the intent as the write left it
// (after_write, computed here and nowhere else) and one transition per audit
// entry to service_options::on_transition. One place, so no commit path can
// forget to tell the observer, and none can tell it of a write that failed.
#pragma once

#include "payintent/idempotency_store.hpp"
#include "payintent/transition.hpp"

#include <optional>

namespace payintent::detail {

// What the store's claim of a key did, and for a claim that wrote, the
// intent as its write left it.
struct claimed_key {
  claim_result result;
  std::optional<payment_intent> after;  // set when result.status is claimed with a write
};

class committer {
 public:
  committer(idempotency_store& store, transition_observer observer)
      : store_(store), observer_(std::move(observer)) {}

  // store.commit(w); `before` is the intent `w` was planned from. Returns the
  // intent as the committed write left it.
  result<payment_intent> commit(const payment_intent& before, intent_write w) const;

  // store.claim(r); `before` is the intent its write was planned from
  // (nullptr for a new intent). Only a claim that wrote tells the observer.
  result<claimed_key> claim(const payment_intent* before, claim_request r) const;

  idempotency_store& store() const noexcept { return store_; }

 private:
  // The intent after `w` committed with `receipt`; the observer is told.
  payment_intent after_commit(const payment_intent* before, intent_write&& w,
                              const write_receipt& receipt) const;

  idempotency_store& store_;
  transition_observer observer_;
};

}  // namespace payintent::detail
