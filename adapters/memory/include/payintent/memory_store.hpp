// payintent — the in-memory store (target payintent::memory).
//
// A real adapter, not a mock: it honours the whole idempotency_store contract
// within one process (every operation atomic; state is sharded by key and by
// intent, each shard under its own mutex, so concurrent charges on different
// intents seldom wait for each other) and is the
// default in examples and tests. Nothing survives the process: use the SQLite
// or PostgreSQL store where a charge must outlive a crash.
//
// Thread-safe. Its clock is the system clock unless one is injected.
//
// Memory: every intent, its audit chain and its key stay until the process
// ends (keys until purge_expired_keys): about 2 KB a charge
// (docs/benchmarks.md has the figures, and the allocator settings that
// matter to a process keeping millions).
#pragma once

#include "payintent/idempotency_store.hpp"

#include <cstdint>
#include <functional>
#include <memory>

namespace payintent {

struct memory_store_options {
  // The store clock in ms since the epoch. Default: the system clock.
  // Tests inject a manual clock to expire leases and keys.
  std::function<std::int64_t()> clock;
};

class memory_store final : public idempotency_store {
 public:
  explicit memory_store(memory_store_options options = {});
  ~memory_store() override;

  result<claim_result> claim(const claim_request& request) override;
  result<write_receipt> commit(const intent_write& write) override;
  result<std::optional<payment_intent>> load(const tenant_id& tenant, const intent_id& id) override;
  result<std::optional<key_record>> load_key(const tenant_id& tenant,
                                             const idempotency_key& key) override;
  result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) override;
  result<std::vector<audit_entry>> audit_trail(const tenant_id& tenant, const intent_id& id) override;
  result<std::size_t> purge_expired_keys(std::size_t limit) override;
  result<std::int64_t> now_ms() override;
  result<std::vector<requires_action_intent>> list_requires_action(
      std::int64_t updated_at_or_before_ms, std::size_t limit) override;
  // A pass over every intent, shard by shard (no index on the write path).
  result<std::vector<requires_capture_intent>> list_requires_capture(
      std::int64_t authorized_at_or_before_ms, std::size_t limit) override;
  // Operating a store: each a pass over every shard, under one shard's lock
  // at a time (scan_audit sorts every intent's name on each call).
  result<std::vector<payment_intent>> list_by_status(intent_status status, const tenant_id& tenant,
                                                     std::size_t limit) override;
  result<std::vector<audit_entry>> scan_audit(const audit_position& after,
                                              std::size_t limit) override;
  result<std::vector<key_record>> keys_of_intent(const tenant_id& tenant,
                                                 const intent_id& id) override;
  result<store_counts> count_records() override;
  // The event outbox: one list for the whole store under its own mutex,
  // taken by every write that appends events (after the intent's shard), so
  // sequence order is install order. Events and cursors stay until
  // purge_events (cursors until the process ends).
  result<std::vector<event_record>> read_events(const event_query& q) override;
  result<std::uint64_t> consumer_position(std::string_view name) override;
  result<std::uint64_t> acknowledge_events(std::string_view name, std::uint64_t position) override;
  result<std::size_t> purge_events(std::int64_t created_before_ms, std::size_t limit) override;

  // Test hook: replaces the stored audit entry (tenant, intent, sequence) with
  // `entry`, to show that verify_audit detects tampering. Returns false when
  // there is no such entry, when `entry`'s hashes are not 64 lower-case hex
  // digits (the store keeps hashes as raw bytes), or when its prev_hash is
  // not the hash of the entry before (the store derives prev_hash from the
  // chain rather than keeping it). The entry keeps its tenant and intent.
  bool tamper_audit_entry_for_testing(const tenant_id& tenant, const intent_id& intent,
                                      const audit_entry& entry);

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace payintent
