// Internal to the memory store: how one write is checked and built outside
// the store's lock (see memory_store.cpp). Not installed.
#pragma once

#include "payintent/audit.hpp"
#include "payintent/idempotency_store.hpp"
#include "write_rules.hpp"

#include <boost/container_hash/hash.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
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

// A lower-case hex SHA-256 kept inline: no allocation per audit entry.
class hex_digest {
 public:
  hex_digest() = default;
  explicit hex_digest(std::string_view hex) noexcept
      : size_(static_cast<std::uint8_t>(std::min(hex.size(), chars_.size()))) {
    std::copy_n(hex.data(), size_, chars_.data());
  }
  std::string_view view() const noexcept { return {chars_.data(), size_}; }

 private:
  std::array<char, 64> chars_{};
  std::uint8_t size_ = 0;
};

// An audit entry as the memory store keeps it: its tenant and intent are its
// slot's, its five text fields share one buffer, its hashes are inline.
// About a third of the memory of an audit_entry.
class kept_audit {
 public:
  kept_audit(const audit_entry_view& e, std::string_view hash_hex)
      : sequence(e.sequence),
        time_ms(e.time_ms),
        fence(e.fence),
        attempt_number(e.attempt_number),
        prev_hash(e.prev_hash),
        hash(hash_hex) {
    const std::array<std::string_view, 5> fields{e.event, e.from, e.to, e.detail, e.node_id};
    std::size_t total = 0;
    for (std::string_view f : fields) total += f.size();
    text_.reserve(total);
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i < ends_.size()) ends_[i] = static_cast<std::uint32_t>(text_.size() + fields[i].size());
      text_.append(fields[i]);
    }
  }
  explicit kept_audit(const audit_entry& e)
      : kept_audit(audit_entry_view{e.sequence, e.time_ms, e.tenant.str(), e.intent.str(),
                                    e.attempt_number, e.event, e.from, e.to, e.detail,
                                    e.node_id, e.fence, e.prev_hash},
                   e.hash) {}

  audit_entry restore(const tenant_id& tenant, const intent_id& intent) const {
    return audit_entry{sequence,       time_ms,          tenant,
                       intent,         attempt_number,   std::string(field(0)),
                       std::string(field(1)), std::string(field(2)), std::string(field(3)),
                       std::string(field(4)), fence,      std::string(prev_hash.view()),
                       std::string(hash.view())};
  }

  std::uint64_t sequence;
  std::int64_t time_ms;
  std::uint64_t fence;
  int attempt_number;
  hex_digest prev_hash;
  hex_digest hash;

 private:
  // Field i of event, from, to, detail, node_id.
  std::string_view field(std::size_t i) const noexcept {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    const std::size_t end = i < ends_.size() ? ends_[i] : text_.size();
    return std::string_view(text_).substr(begin, end - begin);
  }

  std::array<std::uint32_t, 4> ends_{};  // where event, from, to, detail end in text_
  std::string text_;
};

// Slots are never erased once installed, so pointers to them stay valid.
struct intent_slot {
  intent_ptr row;  // replaced whole by every write
  std::vector<kept_audit> audit;
};

// What a write saw, taken under the lock.
struct snapshot {
  std::int64_t now = 0;
  intent_slot* slot = nullptr;  // nullptr: the intent did not exist
  intent_ptr row;
  std::uint64_t last_sequence = 0;  // 0: the chain is empty
  hex_digest last_hash;
};

// A write checked against its snapshot and fully built.
struct staged {
  intent_name intent_key;
  std::shared_ptr<payment_intent> row;
  std::vector<kept_audit> audit;
  write_receipt receipt;
  int attempt_number = 0;  // 0: the write touches no attempt
  intent_ptr released;     // the row it replaced, freed after the lock
};

inline const attempt* find_attempt(const payment_intent* row, int number) {
  if (!row || number < 1 || static_cast<std::size_t>(number) > row->attempts.size()) return nullptr;
  return &row->attempts[static_cast<std::size_t>(number) - 1];
}

// Validates `w` against the snapshot and builds the new row and audit
// entries. Pure: touches no shared state, so it runs outside the lock.
inline result<staged> stage(const intent_write& w, const snapshot& s) {
  const auto version = s.row ? std::optional<std::uint64_t>(s.row->version) : std::nullopt;
  BOOST_OUTCOME_TRY(
      const auto current,
      adapter_detail::check_write(
          w, version, s.now,
          [&](int number) -> result<std::optional<attempt>> {
            const attempt* a = find_attempt(s.row.get(), number);
            return a ? std::optional<attempt>(*a) : std::nullopt;
          },
          [&]() -> result<int> { return s.row ? static_cast<int>(s.row->attempts.size()) : 0; }));

  staged out;
  out.intent_key = intent_name{w.intent.tenant, w.intent.id};
  out.row = std::make_shared<payment_intent>(w.intent);
  auto& row = *out.row;
  if (s.row) {
    row.attempts = s.row->attempts;
  } else {
    row.attempts.clear();
  }
  row.version = w.expected_version + 1;
  row.created_at_ms = s.row ? s.row->created_at_ms : s.now;
  row.updated_at_ms = s.now;
  out.receipt.version = row.version;
  out.receipt.store_time_ms = s.now;

  std::uint64_t fence = 0;
  if (w.attempt) {
    attempt a = adapter_detail::stamp_attempt(*w.attempt, current, s.now);
    fence = a.fence;
    out.receipt.lease_expires_at_ms = a.lease_expires_at_ms;
    out.attempt_number = a.number;
    if (current) {
      row.attempts[static_cast<std::size_t>(a.number) - 1] = std::move(a);
    } else {
      row.attempts.push_back(std::move(a));
    }
  }

  // Sealed as seal_audit_entry seals, straight into the kept shape.
  std::uint64_t sequence = s.last_sequence;
  hex_digest prev = sequence > 0 ? s.last_hash : hex_digest(audit_genesis_hash);
  out.audit.reserve(w.audit.size());
  for (const audit_event& ev : w.audit) {
    const audit_entry_view entry{++sequence,       s.now,    w.intent.tenant.str(),
                                 w.intent.id.str(), ev.attempt_number, ev.event,
                                 ev.from,          ev.to,    ev.detail,
                                 w.node_id,        fence,    prev.view()};
    const std::string hash = audit_entry_hash(entry);
    out.audit.emplace_back(entry, hash);
    prev = out.audit.back().hash;
  }
  return out;
}

}  // namespace payintent::memory_detail
