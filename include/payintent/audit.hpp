// payintent — the hash-chained audit trail (docs/design.md, "Audit").
#pragma once

#include "payintent/fingerprint.hpp"
#include "payintent/records.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace payintent {

// The prev_hash of an intent's first entry: 64 zeros.
inline constexpr std::string_view audit_genesis_hash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Builds the entry a store appends for `event`: copies the event's fields,
// sets sequence, time, tenant, intent, node and fence from the arguments
// (fence: the event's own when it names one, else `fence`),
// prev_hash from `previous` (the intent's last entry, or nullptr for the
// first), and computes hash. Stores call this inside the transaction that
// appends the entry, so one piece of code defines the chain for every store.
audit_entry seal_audit_entry(const audit_event& event, const audit_entry* previous,
                             const tenant_id& tenant, const intent_id& intent,
                             std::int64_t time_ms, std::string_view node_id,
                             std::uint64_t fence);

// The SHA-256 (lower-case hex) of an entry's fields other than `hash`, in a
// canonical, length-prefixed encoding (version 1).
std::string audit_entry_hash(const audit_entry& entry);

// An entry's fields other than `hash`, as views: for a store that keeps its
// entries in a shape of its own and hashes them without building an
// audit_entry (the in-memory store does). Such a store chains as
// seal_audit_entry does: sequence = the previous entry's + 1 (1 for the
// first), prev_hash = the previous entry's hash (audit_genesis_hash first).
struct audit_entry_view {
  std::uint64_t sequence = 0;
  std::int64_t time_ms = 0;
  std::string_view tenant;
  std::string_view intent;
  int attempt_number = 0;
  std::string_view event;
  std::string_view from;
  std::string_view to;
  std::string_view detail;
  std::string_view node_id;
  std::uint64_t fence = 0;
  std::string_view prev_hash;
};

// audit_entry_hash of the entry `view` shows: the same encoding, the same digest.
std::string audit_entry_hash(const audit_entry_view& view);

// That digest as its 32 bytes (to_hex of it is audit_entry_hash), for a store
// that keeps hashes compactly.
sha256_digest audit_entry_digest(const audit_entry_view& view);

// The result of checking a chain.
struct audit_verification {
  bool ok = true;
  std::uint64_t first_broken_sequence = 0;  // when !ok: the first entry that does not verify
  std::string reason;                       // when !ok: "hash mismatch", "sequence gap", ...
};

// Recomputes the chain of one intent's entries (in sequence order) and names
// the first entry whose sequence, prev_hash or hash does not verify.
audit_verification verify_audit(std::span<const audit_entry> entries);

}  // namespace payintent
