// payintent — the store kit: the store contract's rules, decided once for
// every store (docs/adapters.md, "The store kit").
//
// A store (idempotency_store.hpp) persists; the kit decides. Inside the
// transaction (or under the lock) that will apply a write, a store reads what
// the write names, hands it to `check_write`, and persists what comes back:
// the intent row with `receipt.version`, the stamped attempt row, and the
// audit entries `seal_audit` seals. Every bundled store and the example store
// (examples/custom_store/) call these functions, so the rules have one
// definition; the conformance suite still judges each store.
//
// Nothing here touches a store: every function is pure, and thread-safe.
#pragma once

#include "payintent/audit.hpp"
#include "payintent/error.hpp"
#include "payintent/idempotency_store.hpp"

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string_view>
#include <vector>

namespace payintent::store_kit {

// ---- What the write's transaction must read --------------------------------

// The write inserts its intent (expected_version == 0). A store may then read
// nothing: an intent that does not exist has no attempts and no audit
// entries, and one that does must make the insert of its row fail, which the
// store answers with errc::version_conflict, as check_write would.
inline bool creates_intent(const intent_write& w) noexcept {
  return w.expected_version == 0;
}

// The write replaces an attempt under its fence: read the stored attempt
// numbered `w.attempt->value.number` into stored_intent::fenced_attempt.
inline bool writes_fenced_attempt(const intent_write& w) noexcept {
  return w.attempt && w.attempt->expected_fence;
}

// The write adds an attempt: read the intent's highest attempt number into
// stored_intent::attempt_count.
inline bool adds_attempt(const intent_write& w) noexcept {
  return w.attempt && !w.attempt->expected_fence;
}

// What the transaction read, by (tenant, intent id). Fields the write does not
// need (see above) may be left as they are.
struct stored_intent {
  std::optional<std::uint64_t> version;     // the intent's version; nullopt: no such intent
  const attempt* fenced_attempt = nullptr;  // nullptr: no such attempt; borrowed, not owned
  int attempt_count = 0;                    // the highest attempt number; 0: none
};

// What check_write needs, taken from an intent row held whole, with its
// attempts numbered 1..n in order (a store that keeps rows in memory).
// `row` nullptr: no such intent. The answer borrows from `row`.
stored_intent stored_intent_of(const payment_intent* row, const intent_write& w) noexcept;

// Attempt `number` (1-based) of `intent`, or nullptr when it has none such.
const attempt* attempt_numbered(const payment_intent& intent, int number) noexcept;

// ---- Checking a write --------------------------------------------------------

// What a store persists for a write whose preconditions hold, together with
// the write's own `intent` (its `attempts` ignored) and its sealed audit
// entries, in one atomic step.
struct checked_write {
  // The answer once committed: version = expected_version + 1 (store it as
  // the intent's version), store_time_ms = now (the intent's updated_at_ms,
  // and its created_at_ms when it is new; an existing intent keeps its own),
  // lease_expires_at_ms of the written attempt (0 without one).
  write_receipt receipt;
  // The attempt row to store, stamped: lease_expires_at_ms = now +
  // lease_ttl_ms when lease_ttl_ms > 0 (else as given), created_at_ms kept
  // from the attempt it replaces (now for a new one), updated_at_ms = now.
  // nullopt: the write touches no attempt.
  std::optional<attempt> attempt_row;
  // true: attempt_row replaces the stored attempt of its number (UPDATE);
  // false: it is new and numbered attempt_count + 1 (INSERT).
  bool replaces_attempt = false;
};

// Checks `w` against what the transaction read, in the contract's order, and
// answers the first that fails:
//   1. expected_version == 0 but the intent exists: version_conflict;
//      expected_version > 0 but it does not: not_found;
//   2. a fenced attempt that does not exist: not_found; whose fence differs:
//      fenced_out (before the version, so a stale writer learns it lost);
//   3. the intent's version differs from expected_version: version_conflict;
//   4. a new attempt not numbered attempt_count + 1: version_conflict;
//   5. require_lease_expired, but the lease runs past `now_ms`:
//      version_conflict.
// On success answers what to persist. `now_ms` is the store clock, read in
// the same transaction. Writes nothing. May throw std::bad_alloc (it copies
// the attempt): call it inside `guard`.
result<checked_write> check_write(const intent_write& w, const stored_intent& read,
                                  std::int64_t now_ms);

// The row a store that holds intents whole (with their attempts) stores for
// a checked write: w.intent with version = checked.receipt.version,
// created_at_ms kept from `stored` (now for a new intent), updated_at_ms =
// now, and `stored`'s attempts with checked.attempt_row in its place or
// appended (moved out of `checked`). `stored` nullptr: the intent is new.
// May throw std::bad_alloc.
payment_intent next_intent_row(const intent_write& w, const payment_intent* stored,
                               checked_write& checked);

// ---- Sealing the write's audit entries ----------------------------------------

// The entry a checked write appends for `event` (one of w.audit, sealed in
// their order): chained to `previous`, which is the intent's newest stored
// entry for the first event (nullptr when the intent has none) and the entry
// sealed just before for the others; stamped with `now_ms`, the write's
// tenant, intent and node_id, and the event's fence (when it names one) else
// the written attempt's (0 without one). Its hash is payintent's, so
// verify_audit accepts the chain. May throw std::bad_alloc.
audit_entry seal_audit(const intent_write& w, const audit_event& event, const audit_entry* previous,
                       std::int64_t now_ms);

// The same entry as views over `w`, `event` and `prev_hash`, for a store that
// keeps entries in a shape of its own and hashes them with
// audit_entry_digest: `sequence` is the previous entry's + 1 (1 for the
// first) and `prev_hash` its hash (audit_genesis_hash for the first).
audit_entry_view audit_view(const intent_write& w, const audit_event& event, std::uint64_t sequence,
                            std::string_view prev_hash, std::int64_t now_ms) noexcept;

// ---- Claiming a key -------------------------------------------------------------

// The record a claim inserts when its key is free: request.key with
// created_at_ms = now_ms and expires_at_ms = now_ms + retention_ms. May
// throw std::bad_alloc.
key_record key_to_insert(const claim_request& request, std::int64_t now_ms);

// The answer to a claim whose (tenant, key) is already stored as `stored`:
// replay when the fingerprints match, else mismatch, carrying the stored
// record (not the request's). The claim writes nothing. May throw
// std::bad_alloc.
claim_result taken_key_answer(const key_record& stored, const claim_request& request);

// ---- Purging keys --------------------------------------------------------------

// Whether `key` must survive a purge however old it is: its stored result
// names an attempt of `intent` (the intent it names, as stored) that is
// still init, pending or unknown, so recovery may still need the key.
bool guards_unresolved_attempt(const key_record& key, const payment_intent& intent) noexcept;

// ---- Listing ---------------------------------------------------------------------

// Keeps the `limit` oldest of `listed`, oldest first, as list_unresolved
// answers: by lease_expires_at_ms, ties by tenant, intent and attempt number.
// Allocates nothing.
void keep_oldest(std::vector<unresolved_attempt>& listed, std::size_t limit);

// Keeps the `limit` oldest of `listed`, oldest first, as list_requires_action
// answers: by updated_at_ms, ties by tenant and intent. Allocates nothing.
void keep_oldest(std::vector<requires_action_intent>& listed, std::size_t limit);

// Keeps the `limit` oldest of `listed`, oldest first, as list_requires_capture
// answers: by authorized_at_ms, ties by tenant and intent. Allocates nothing.
void keep_oldest(std::vector<requires_capture_intent>& listed, std::size_t limit);

// The authorization a capture, release or refund of `intent` acts on (the
// hold): its newest authorization attempt in state authorized, or nullptr.
const attempt* held_authorization(const payment_intent& intent) noexcept;

// What list_requires_capture lists of `intent`, for a store that holds
// intents whole: when it waits in requires_capture, its held
// authorization's updated_at_ms; else nullopt.
std::optional<std::int64_t> hold_authorized_at(const payment_intent& intent) noexcept;

// ---- The store clock ---------------------------------------------------------------

// The system clock in milliseconds since the Unix epoch: the default clock of
// a store on one host (every process there shares it).
std::int64_t system_clock_ms() noexcept;

// ---- Calling without throwing ---------------------------------------------------

// Runs `f()`, which answers result<T>, and answers what it answers; an
// exception becomes an error instead: std::bad_alloc errc::storage_full,
// anything else errc::store_unavailable. A store wraps each operation's body
// in it (the contract: no exception escapes); the engine wraps each store
// call in it too, as a second line. Undoing what `f` began before it threw is
// `f`'s business.
template <class F>
auto guard(F&& f) noexcept -> decltype(f()) {
  try {
    return static_cast<F&&>(f)();
  } catch (const std::bad_alloc&) {
    return make_error_code(errc::storage_full);
  } catch (...) {
    return make_error_code(errc::store_unavailable);
  }
}

}  // namespace payintent::store_kit
