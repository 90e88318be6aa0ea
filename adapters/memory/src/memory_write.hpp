// Internal to the memory store: how one write is checked and built outside
// the store's lock (see memory_store.cpp). Not installed.
#pragma once

#include "payintent/audit.hpp"
#include "payintent/event_kit.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/store_kit.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/container_hash/hash.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace payintent::memory_detail {

// A name within one tenant: (tenant, key) or (tenant, intent id). Ids share
// their text, so building one for a lookup allocates nothing; the hash is
// computed once, so a table probing or growing never reads the text again.
template <class Name>
struct scoped {
  scoped() = default;
  scoped(tenant_id t, Name n)
      : tenant(std::move(t)), name(std::move(n)), hash(combine(tenant.str(), name.str())) {}

  tenant_id tenant;
  Name name;
  std::size_t hash = 0;

  friend bool operator==(const scoped& a, const scoped& b) noexcept {
    return a.hash == b.hash && a.name == b.name && a.tenant == b.tenant;
  }

 private:
  static std::size_t combine(const std::string& t, const std::string& n) noexcept {
    std::size_t seed = std::hash<std::string>{}(t);
    boost::hash_combine(seed, n);
    return seed;
  }
};
using key_name = scoped<idempotency_key>;
using intent_name = scoped<intent_id>;

struct scoped_hash {
  template <class Name>
  std::size_t operator()(const scoped<Name>& n) const noexcept {
    return n.hash;
  }
};

using intent_ptr = std::shared_ptr<const payment_intent>;

// An audit entry as the memory store keeps it: its tenant and intent are its
// slot's, its five text fields sit end to end in its slot's text, its hash is
// raw bytes, and its prev_hash is not kept: it is the hash of the entry
// before (the genesis hash for the first), which the chain's own hashes
// commit to. About a fifth of the memory of an audit_entry, and no
// allocation of its own.
struct kept_audit {
  std::uint64_t sequence = 0;
  std::int64_t time_ms = 0;
  std::uint64_t fence = 0;
  int attempt_number = 0;
  std::uint32_t text_begin = 0;            // where its fields start in the text
  std::array<std::uint32_t, 5> lengths{};  // of event, from, to, detail, node_id
  sha256_digest hash{};

  // Keeps `e`, whose digest is `own`, appending its text fields to `text`
  // (a std::string or a vector of char).
  template <class Text>
  static kept_audit keep(const audit_entry_view& e, const sha256_digest& own, Text& text) {
    kept_audit k;
    k.sequence = e.sequence;
    k.time_ms = e.time_ms;
    k.fence = e.fence;
    k.attempt_number = e.attempt_number;
    k.text_begin = static_cast<std::uint32_t>(text.size());
    const std::array<std::string_view, 5> fields{e.event, e.from, e.to, e.detail, e.node_id};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      k.lengths[i] = static_cast<std::uint32_t>(fields[i].size());
      text.insert(text.end(), fields[i].begin(), fields[i].end());
    }
    k.hash = own;
    return k;
  }

  // The entry, its text fields read from `text` (what keep appended to) and
  // its prev_hash from `prev` (the entry before's hash, or all zero).
  audit_entry restore(const tenant_id& tenant, const intent_id& intent, std::string_view text,
                      const sha256_digest& prev) const {
    std::array<std::string, 5> fields;
    std::size_t at = text_begin;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      fields[i] = std::string(text.substr(at, lengths[i]));
      at += lengths[i];
    }
    return audit_entry{sequence,
                       time_ms,
                       tenant,
                       intent,
                       attempt_number,
                       std::move(fields[0]),
                       std::move(fields[1]),
                       std::move(fields[2]),
                       std::move(fields[3]),
                       std::move(fields[4]),
                       fence,
                       to_hex(prev),
                       to_hex(hash)};
  }
};

// The audit entries of a charge from creation to its outcome (created,
// processing, init, then the outcome's two), and about their text.
constexpr std::size_t typical_chain = 5;
constexpr std::size_t typical_chain_text = 256;

// Slots are never erased once installed, so pointers to them stay valid. A
// typical chain lives inside the slot: one allocation for an intent's
// whole history, not three.
struct intent_slot {
  intent_ptr row;  // replaced whole by every write
  boost::container::small_vector<kept_audit, typical_chain> audit;
  // The text fields of `audit`, end to end.
  boost::container::small_vector<char, typical_chain_text> audit_text;

  std::string_view text() const noexcept { return {audit_text.data(), audit_text.size()}; }
};

// What a write saw, taken under the lock.
struct snapshot {
  std::int64_t now = 0;
  intent_slot* slot = nullptr;  // nullptr: the intent did not exist
  intent_ptr row;
  std::uint64_t last_sequence = 0;  // 0: the chain is empty
  sha256_digest last_hash{};        // all zero (the genesis hash) when it is
};

// Where a write seals its audit entries before installing them: install
// copies them into their intent's slot, so their own storage is scratch,
// one per thread, reused by every write (no allocation once it has grown).
struct audit_scratch {
  std::vector<kept_audit> entries;
  std::string text;  // what entries' text_begin count from
};

inline audit_scratch& this_thread_audit_scratch() {
  thread_local audit_scratch scratch;
  return scratch;
}

// A write checked against its snapshot and fully built. Its audit entries
// live in this thread's audit_scratch, valid until the thread stages again.
struct staged {
  intent_name intent_key;
  std::shared_ptr<payment_intent> row;
  std::span<const kept_audit> audit;
  std::string_view audit_text;  // what audit's text_begin count from
  write_receipt receipt;
  int attempt_number = 0;  // 0: the write touches no attempt
  intent_ptr released;     // the row it replaced, freed after the lock
  std::vector<event_record> events;  // the change's (event_kit), numbered on install
};

inline const attempt* find_attempt(const payment_intent* row, int number) {
  return row ? store_kit::attempt_numbered(*row, number) : nullptr;
}

// Validates `w` (whose intent is `name`) against the snapshot and builds the
// new row and audit entries. Pure: touches no shared state, so it runs
// outside the lock.
inline result<staged> stage(const intent_write& w, const intent_name& name, const snapshot& s) {
  BOOST_OUTCOME_TRY(auto checked,
                    store_kit::check_write(w, store_kit::stored_intent_of(s.row.get(), w), s.now));

  staged out;
  out.intent_key = name;
  out.receipt = checked.receipt;
  if (checked.attempt_row) out.attempt_number = checked.attempt_row->number;
  out.events = store_kit::events_of(w, checked);  // before the attempt row moves
  out.row = std::make_shared<payment_intent>(store_kit::next_intent_row(w, s.row.get(), checked));

  // Sealed as store_kit::seal_audit seals, straight into the kept shape.
  audit_scratch& scratch = this_thread_audit_scratch();
  scratch.entries.clear();
  scratch.text.clear();
  std::uint64_t sequence = s.last_sequence;
  sha256_digest prev = s.last_hash;
  for (const audit_event& ev : w.audit) {
    const auto prev_hex = to_hex_digits(prev);
    const audit_entry_view entry = store_kit::audit_view(
        w, ev, ++sequence, std::string_view(prev_hex.data(), prev_hex.size()), s.now);
    const sha256_digest own = audit_entry_digest(entry);
    scratch.entries.push_back(kept_audit::keep(entry, own, scratch.text));
    prev = own;
  }
  out.audit = scratch.entries;
  out.audit_text = scratch.text;
  return out;
}

}  // namespace payintent::memory_detail
