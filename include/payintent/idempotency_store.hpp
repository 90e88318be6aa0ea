// payintent — the pluggable store (docs/adapters.md).
//
// A store keeps intents, attempts, idempotency keys and audit entries. It is
// deliberately small and dumb: the service decides every transition; the store
// applies each one atomically with compare-and-set preconditions, so the same
// engine is exactly-once on any store that honours this contract. Write your
// own by deriving from `idempotency_store`, let <payintent/store_kit.hpp>
// decide the rules below (preconditions, stamps, audit sealing) so your store
// only persists, then prove it with the conformance suite in
// <payintent/testing/store_conformance.hpp> (docs/adapters.md).
//
// Contract every implementation honours:
//  - Every operation is atomic: it happens whole or not at all. A failed call
//    (any error) has written nothing.
//  - Every operation is safe to call concurrently from many threads; stores
//    shared between processes or servers (SQLite, PostgreSQL) are safe across
//    them too.
//  - Times come from the store's clock (`now_ms`), one clock for every process
//    that shares the store. Leases expire by that clock, never the caller's.
//  - Calls block the calling thread; the service never calls a store from a
//    thread that must not block.
//  - Transient trouble (lock timeouts, lost connections) is `errc::busy` or
//    `errc::store_unavailable`; a full disk `errc::storage_full`; a read-only
//    database `errc::storage_read_only`; damaged data `errc::storage_corrupt`.
//  - No exception escapes (the service also catches, as a second line).
//
// Interfaces grow without breaking implementers: operations added later get a
// default body answering `errc::not_supported`.
#pragma once

#include "payintent/error.hpp"
#include "payintent/events.hpp"
#include "payintent/records.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace payintent {

// A change to one attempt, inside an intent_write.
struct attempt_write {
  attempt value;  // the attempt's new state (number identifies it)
  // nullopt: insert a new attempt (its number must be the next one).
  // Otherwise: the attempt's current fence must equal this, else fenced_out.
  std::optional<std::uint64_t> expected_fence;
  // Only with expected_fence: also require the current lease to have expired
  // by the store clock (a takeover), else version_conflict.
  bool require_lease_expired = false;
  // > 0: the store sets value.lease_expires_at_ms = now + lease_ttl_ms.
  // 0: the store stores value.lease_expires_at_ms as given (0 releases it).
  std::int64_t lease_ttl_ms = 0;
};

// One atomic change to an intent: its row, at most one attempt, audit entries.
struct intent_write {
  // The intent's new state. `attempts` is ignored (see `attempt`); `version`,
  // `created_at_ms` and `updated_at_ms` are set by the store.
  payment_intent intent;
  // 0: the intent must not exist (insert). Otherwise its current version must
  // equal this, else version_conflict. The store writes expected_version + 1.
  std::uint64_t expected_version = 0;
  std::optional<attempt_write> attempt;
  // Appended to the intent's chain in order; the store stamps sequence, time,
  // tenant, intent, node_id, fence (the event's own if it names one, else the
  // written attempt's, if any) and the hashes via
  // payintent::store_kit::seal_audit.
  std::vector<audit_event> audit;
  std::string node_id;  // the writer, recorded in the audit entries
};

// What a successful write left behind.
struct write_receipt {
  std::uint64_t version = 0;            // the intent's new version
  std::int64_t store_time_ms = 0;       // the store clock at commit
  std::int64_t lease_expires_at_ms = 0; // of the written attempt, if any
};

// Insert-or-inspect an idempotency key, and apply `write` with it.
struct claim_request {
  // The key and its stored result. created_at/expires_at are set by the store.
  key_record key;
  std::int64_t retention_ms = 0;  // expires_at = now + retention_ms
  // Applied in the same transaction when (and only when) the key is new.
  // nullopt for a definitive rejection that changes no intent.
  std::optional<intent_write> write;
};

enum class claim_status : std::uint8_t {
  claimed = 1,   // the key was new: the key and the write are committed
  replay = 2,    // the key exists with the same fingerprint: nothing written
  mismatch = 3,  // the key exists with another fingerprint: nothing written
  // Not answered by the bundled stores, whose claim is one transaction; a
  // store that claims in two phases answers it while the first phase holds the
  // key, and the service then waits up to its bound before answering
  // errc::idempotency_key_in_use.
  in_progress = 4,
};

struct claim_result {
  claim_status status = claim_status::claimed;
  key_record existing;  // for replay and mismatch: the stored record
  write_receipt receipt;  // for claimed with a write
};

// An attempt that is init, pending or unknown, as listed for recovery.
struct unresolved_attempt {
  tenant_id tenant;
  intent_id intent;
  int attempt_number = 0;
  attempt_state state = attempt_state::init;
  std::int64_t lease_expires_at_ms = 0;
  bool lease_expired = false;  // by the store clock at listing time
};

// An intent waiting in requires_action, as listed for challenge expiry.
struct requires_action_intent {
  tenant_id tenant;
  intent_id intent;
  std::int64_t updated_at_ms = 0;  // the intent's last change (store clock)
};

// An intent holding an uncaptured authorization (status requires_capture),
// as listed for the hold's expiry.
struct requires_capture_intent {
  tenant_id tenant;
  intent_id intent;
  // When its held authorization (the newest authorization attempt in state
  // authorized) last changed, by the store clock: when it became authorized.
  std::int64_t authorized_at_ms = 0;
};

// ---- Operating a store: what payintent-admin reads (docs/operations.md) ----

// A place in the scan of every audit chain (idempotency_store::scan_audit):
// the last entry read. The default, empty tenant and intent and sequence 0,
// stands before the first entry.
struct audit_position {
  tenant_id tenant;
  intent_id intent;
  std::uint64_t sequence = 0;
};

// What a store holds, counted in one read (idempotency_store::count_records).
struct store_counts {
  std::int64_t now_ms = 0;                          // the store clock when counted
  std::map<intent_status, std::uint64_t> intents;   // by status; a status with none is absent
  std::uint64_t unresolved_attempts = 0;            // attempts init, pending or unknown
  std::uint64_t keys = 0;                           // idempotency keys stored
  std::uint64_t keys_expired = 0;                   // of them, expires_at <= now_ms
  std::uint64_t audit_entries = 0;                  // across every chain
};

class idempotency_store {
 public:
  virtual ~idempotency_store() = default;
  idempotency_store(const idempotency_store&) = delete;
  idempotency_store& operator=(const idempotency_store&) = delete;

  // Atomically: if (key.tenant, key.key) exists, answer replay (same
  // fingerprint) or mismatch (other fingerprint) with the stored record and
  // write nothing. Otherwise check `write`'s preconditions (version_conflict,
  // fenced_out), then insert the key and apply the write in one transaction.
  // A key is always checked before the write's preconditions, so a retry whose
  // intent has moved on still replays.
  virtual result<claim_result> claim(const claim_request& request) = 0;

  // Atomically applies a write that needs no key (an attempt's outcome, a
  // recovery step). Errors: version_conflict, fenced_out, not_found (expected
  // version > 0 but no such intent), and the transient ones.
  virtual result<write_receipt> commit(const intent_write& write) = 0;

  // The intent with all its attempts, or nullopt when (tenant, id) does not
  // exist. Another tenant's intent does not exist.
  virtual result<std::optional<payment_intent>> load(const tenant_id& tenant,
                                                     const intent_id& id) = 0;

  // The key record, or nullopt.
  virtual result<std::optional<key_record>> load_key(const tenant_id& tenant,
                                                     const idempotency_key& key) = 0;

  // Up to `limit` attempts in state init, pending or unknown, oldest lease
  // first, across all tenants.
  virtual result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) = 0;

  // The intent's audit entries in sequence order; empty for an unknown intent.
  virtual result<std::vector<audit_entry>> audit_trail(const tenant_id& tenant,
                                                       const intent_id& id) = 0;

  // Deletes up to `limit` keys whose expires_at has passed by the store clock,
  // never one whose attempt is unresolved. Returns how many were deleted.
  virtual result<std::size_t> purge_expired_keys(std::size_t limit) = 0;

  // The store's clock, milliseconds since the Unix epoch.
  virtual result<std::int64_t> now_ms() = 0;

  // Up to `limit` intents in status requires_action whose updated_at_ms is at
  // or before `updated_at_or_before_ms`, oldest first, across all tenants:
  // recovery expires their 3-D Secure challenges. Added after the operations
  // above. Default: errc::not_supported (challenges then expire on access
  // only).
  virtual result<std::vector<requires_action_intent>> list_requires_action(
      std::int64_t updated_at_or_before_ms, std::size_t limit) {
    (void)updated_at_or_before_ms;
    (void)limit;
    return make_error_code(errc::not_supported);
  }

  // Up to `limit` intents in status requires_capture whose held
  // authorization became authorized at or before `authorized_at_or_before_ms`
  // (requires_capture_intent), oldest first (ties by tenant and id), across
  // all tenants: recovery releases the holds that outlived
  // service_options::authorization_expiry. Added after the operations
  // above. Default: errc::not_supported (holds then never expire by
  // themselves: cancel them).
  virtual result<std::vector<requires_capture_intent>> list_requires_capture(
      std::int64_t authorized_at_or_before_ms, std::size_t limit) {
    (void)authorized_at_or_before_ms;
    (void)limit;
    return make_error_code(errc::not_supported);
  }

  // ---- Operating a store (payintent-admin, docs/operations.md) ------------
  // Queries for operators and their tools, added after the operations above;
  // each default answers errc::not_supported. They read across tenants and
  // may scan whole tables (the SQL stores have no index for them): run them
  // from a tool, never on a request's path. The engine never calls them.

  // Up to `limit` intents in `status`, of `tenant` alone unless it is empty,
  // least recently changed first (updated_at_ms, ties by tenant and id).
  // Their `attempts` are left empty: load() an intent for them.
  virtual result<std::vector<payment_intent>> list_by_status(intent_status status,
                                                             const tenant_id& tenant,
                                                             std::size_t limit) {
    (void)status;
    (void)tenant;
    (void)limit;
    return make_error_code(errc::not_supported);
  }

  // Up to `limit` audit entries after `after`, in (tenant, intent, sequence)
  // order across every chain, as stored (not verified: that is the caller's
  // business, verify_audit). Pass the last entry read as the next `after`; an
  // answer shorter than `limit` is the end. A chain may span two answers.
  // Tenant and intent order by the store's own text collation (bytewise on
  // the memory and SQLite stores, the database's on PostgreSQL); a scan of
  // one tenant starts at {tenant, {}, 0} and stops at the first entry of
  // another.
  virtual result<std::vector<audit_entry>> scan_audit(const audit_position& after,
                                                      std::size_t limit) {
    (void)after;
    (void)limit;
    return make_error_code(errc::not_supported);
  }

  // The idempotency keys of `tenant` whose stored result names intent `id`
  // (those that created, confirmed, canceled or authenticated it, and the
  // rejections against it), oldest first (created_at_ms, ties by key);
  // empty when none is left (purged) or there is no such intent.
  virtual result<std::vector<key_record>> keys_of_intent(const tenant_id& tenant,
                                                         const intent_id& id) {
    (void)tenant;
    (void)id;
    return make_error_code(errc::not_supported);
  }

  // Counts what the store holds (store_counts): in one read transaction on
  // the SQL stores; shard by shard on the memory store, so counts taken
  // while it is written may not add up to one moment.
  virtual result<store_counts> count_records() { return make_error_code(errc::not_supported); }

  // ---- The event outbox (events.hpp, docs/events.md) -----------------------
  // Added after the operations above; each default answers
  // errc::not_supported (a store without events). A store that implements
  // them writes the events store_kit::events_of derives from every claim's
  // and commit's write in that write's transaction.

  // Up to `q.limit` events with sequence > q.after (of q.tenant, of q.type,
  // when given), in sequence order. An answer shorter than the limit is, for
  // now, the end.
  virtual result<std::vector<event_record>> read_events(const event_query& q) {
    (void)q;
    return make_error_code(errc::not_supported);
  }

  // The position consumer `name` last acknowledged; 0 for a consumer never
  // seen. Errors: invalid_argument for an empty name or one longer than
  // max_consumer_name.
  virtual result<std::uint64_t> consumer_position(std::string_view name) {
    (void)name;
    return make_error_code(errc::not_supported);
  }

  // Durably records that consumer `name` has handled every event up to
  // `position`. A cursor never moves back: a lower position leaves it as it
  // is. Answers the cursor as it stands after the call.
  virtual result<std::uint64_t> acknowledge_events(std::string_view name, std::uint64_t position) {
    (void)name;
    (void)position;
    return make_error_code(errc::not_supported);
  }

  // Deletes up to `limit` of the oldest events created before
  // `created_before_ms` (store clock), whether or not a consumer has read
  // them. Returns how many were deleted.
  virtual result<std::size_t> purge_events(std::int64_t created_before_ms, std::size_t limit) {
    (void)created_before_ms;
    (void)limit;
    return make_error_code(errc::not_supported);
  }

 protected:
  idempotency_store() = default;
};

// Forwards every call to another store. Derive from it to decorate a store
// (metrics, fault injection, latency) overriding only what you need. The
// wrapped store must outlive the wrapper.
class store_wrapper : public idempotency_store {
 public:
  explicit store_wrapper(idempotency_store& target) noexcept : target_(target) {}

  result<claim_result> claim(const claim_request& r) override { return target_.claim(r); }
  result<write_receipt> commit(const intent_write& w) override { return target_.commit(w); }
  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override {
    return target_.load(t, id);
  }
  result<std::optional<key_record>> load_key(const tenant_id& t, const idempotency_key& k) override {
    return target_.load_key(t, k);
  }
  result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) override {
    return target_.list_unresolved(limit);
  }
  result<std::vector<audit_entry>> audit_trail(const tenant_id& t, const intent_id& id) override {
    return target_.audit_trail(t, id);
  }
  result<std::size_t> purge_expired_keys(std::size_t limit) override {
    return target_.purge_expired_keys(limit);
  }
  result<std::int64_t> now_ms() override { return target_.now_ms(); }
  result<std::vector<requires_action_intent>> list_requires_action(std::int64_t before,
                                                                   std::size_t limit) override {
    return target_.list_requires_action(before, limit);
  }
  result<std::vector<requires_capture_intent>> list_requires_capture(std::int64_t before,
                                                                     std::size_t limit) override {
    return target_.list_requires_capture(before, limit);
  }
  // Operating a store.
  result<std::vector<payment_intent>> list_by_status(intent_status status, const tenant_id& t,
                                                     std::size_t limit) override {
    return target_.list_by_status(status, t, limit);
  }
  result<std::vector<audit_entry>> scan_audit(const audit_position& after,
                                              std::size_t limit) override {
    return target_.scan_audit(after, limit);
  }
  result<std::vector<key_record>> keys_of_intent(const tenant_id& t, const intent_id& id) override {
    return target_.keys_of_intent(t, id);
  }
  result<store_counts> count_records() override { return target_.count_records(); }
  // The event outbox.
  result<std::vector<event_record>> read_events(const event_query& q) override {
    return target_.read_events(q);
  }
  result<std::uint64_t> consumer_position(std::string_view name) override {
    return target_.consumer_position(name);
  }
  result<std::uint64_t> acknowledge_events(std::string_view name, std::uint64_t position) override {
    return target_.acknowledge_events(name, position);
  }
  result<std::size_t> purge_events(std::int64_t created_before_ms, std::size_t limit) override {
    return target_.purge_events(created_before_ms, limit);
  }

 protected:
  idempotency_store& target() noexcept { return target_; }

 private:
  idempotency_store& target_;
};

}  // namespace payintent

template <>
struct fmt::formatter<payintent::claim_status> : fmt::formatter<std::string_view> {
  auto format(payintent::claim_status s, format_context& ctx) const -> format_context::iterator;
};
