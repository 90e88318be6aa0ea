// A store an integrator could have written: std::map under one std::mutex.
//
// This is the worked example of docs/adapters.md, and the short client of
// the store kit (<payintent/store_kit.hpp>): the kit decides every rule of
// the contract (preconditions, stamps, audit sealing, key answers, listing
// order, no exception escaping); the store only finds rows and persists what
// the kit hands it. It is written for clarity, not speed: every operation
// takes the one lock and does all its work under it. The conformance suite
// proves it (tests/conformance/custom_store_conformance.cpp).
//
// Like payintent::memory_store it keeps nothing across a restart; a real store
// would keep the same shape but write through to its database, taking that
// database's transaction where this one takes the mutex.
//
// Thread-safe: one map_store may be shared by any number of threads.
#pragma once

#include <payintent/idempotency_store.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace example {

struct map_store_options {
  // The store clock in ms since the Unix epoch. Default: the system clock.
  // The conformance suite injects a manual clock to expire leases and keys.
  std::function<std::int64_t()> clock;
};

class map_store final : public payintent::idempotency_store {
 public:
  explicit map_store(map_store_options options = {});

  payintent::result<payintent::claim_result> claim(
      const payintent::claim_request& request) override;
  payintent::result<payintent::write_receipt> commit(const payintent::intent_write& write) override;
  payintent::result<std::optional<payintent::payment_intent>> load(
      const payintent::tenant_id& tenant, const payintent::intent_id& id) override;
  payintent::result<std::optional<payintent::key_record>> load_key(
      const payintent::tenant_id& tenant, const payintent::idempotency_key& key) override;
  payintent::result<std::vector<payintent::unresolved_attempt>> list_unresolved(
      std::size_t limit) override;
  payintent::result<std::vector<payintent::audit_entry>> audit_trail(
      const payintent::tenant_id& tenant, const payintent::intent_id& id) override;
  payintent::result<std::size_t> purge_expired_keys(std::size_t limit) override;
  payintent::result<std::int64_t> now_ms() override;
  payintent::result<std::vector<payintent::requires_action_intent>> list_requires_action(
      std::int64_t updated_at_or_before_ms, std::size_t limit) override;
  payintent::result<std::vector<payintent::requires_capture_intent>> list_requires_capture(
      std::int64_t authorized_at_or_before_ms, std::size_t limit) override;

 private:
  // Every row is found by (tenant, name): a tenant never reaches another's.
  using scoped_name = std::pair<std::string, std::string>;

  // An intent as stored: its row (with its attempts) and its audit chain.
  struct intent_row {
    payintent::payment_intent intent;
    std::vector<payintent::audit_entry> audit;
  };

  // The row as it will be after `w`, if the kit finds every precondition
  // holds (else its error); writes nothing either way. Under the lock.
  payintent::result<intent_row> prepare(const payintent::intent_write& w, std::int64_t now,
                                        payintent::write_receipt& receipt) const;

  std::int64_t now() const;

  std::function<std::int64_t()> clock_;
  mutable std::mutex mutex_;  // guards everything below
  std::map<scoped_name, payintent::key_record> keys_;
  std::map<scoped_name, intent_row> intents_;
};

}  // namespace example
