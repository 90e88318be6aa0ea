// The map_store: every operation takes the one mutex, so each is atomic and
// sees a consistent picture. Comments marked "Rule:" point at the contract in
// include/payintent/idempotency_store.hpp (summarised in docs/adapters.md).
#include "map_store.hpp"

#include <payintent/audit.hpp>

#include <algorithm>
#include <chrono>
#include <new>
#include <tuple>

namespace example {
namespace {

using namespace payintent;

// Rule: no exception escapes a store. Under the mutex the only thing that can
// throw is an allocation (or an injected clock); each call maps that to an
// error, having written nothing (see the install steps below).
template <class F>
auto no_throw(F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return errc::storage_full;
  } catch (...) {
    return errc::store_unavailable;
  }
}

// Attempt `number` (1-based) of `intent`, or nullptr.
const attempt* find_attempt(const payment_intent& intent, int number) {
  if (number < 1 || static_cast<std::size_t>(number) > intent.attempts.size()) return nullptr;
  return &intent.attempts[static_cast<std::size_t>(number) - 1];
}

claim_status compare_fingerprints(const key_record& stored, const key_record& asked) {
  return stored.fingerprint == asked.fingerprint ? claim_status::replay : claim_status::mismatch;
}

}  // namespace

map_store::map_store(map_store_options options) : clock_(std::move(options.clock)) {
}

// Rule: every time comes from the store's clock, never the caller's.
std::int64_t map_store::now() const {
  if (clock_) return clock_();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

result<map_store::intent_row> map_store::prepare(const intent_write& w, std::int64_t now,
                                                 write_receipt& receipt) const {
  const auto found = intents_.find({w.intent.tenant.str(), w.intent.id.str()});
  const intent_row* stored = found == intents_.end() ? nullptr : &found->second;

  // Rule: expected_version 0 inserts a new intent; anything else updates one
  // that exists (in this tenant).
  if (w.expected_version == 0 && stored) return errc::version_conflict;
  if (w.expected_version != 0 && !stored) return errc::not_found;

  // Rule: fencing comes before the version. A writer holding a stale fence
  // must learn that it lost the attempt (fenced_out: stop), not merely that
  // the intent moved on (version_conflict: reload and try again).
  const attempt* held = nullptr;
  if (w.attempt && w.attempt->expected_fence) {
    held = stored ? find_attempt(stored->intent, w.attempt->value.number) : nullptr;
    if (!held) return errc::not_found;
    if (held->fence != *w.attempt->expected_fence) return errc::fenced_out;
  }

  // Rule: the version is a compare-and-set.
  if (stored && stored->intent.version != w.expected_version) return errc::version_conflict;

  // Rule: a new attempt takes the next number; anything else means another
  // writer added one first.
  if (w.attempt && !held) {
    const std::size_t existing = stored ? stored->intent.attempts.size() : 0;
    if (static_cast<std::size_t>(w.attempt->value.number) != existing + 1) {
      return errc::version_conflict;
    }
  }

  // Rule: a takeover needs the holder's lease expired by the store clock.
  if (held && w.attempt->require_lease_expired && held->lease_expires_at_ms > now) {
    return errc::version_conflict;
  }

  // Every precondition holds: build the row as it will be. The store, not
  // the writer, sets versions and times, and attempts come only from
  // attempt writes (w.intent.attempts is ignored).
  intent_row next;
  next.intent = w.intent;
  next.intent.attempts = stored ? stored->intent.attempts : std::vector<attempt>{};
  next.intent.version = w.expected_version + 1;
  next.intent.created_at_ms = stored ? stored->intent.created_at_ms : now;
  next.intent.updated_at_ms = now;
  if (stored) next.audit = stored->audit;
  receipt = write_receipt{next.intent.version, now, 0};

  std::uint64_t fence = 0;  // stamped on every audit entry of this write
  if (w.attempt) {
    attempt a = w.attempt->value;
    // Rule: a lease is granted by the store clock (ttl 0: stored as given).
    if (w.attempt->lease_ttl_ms > 0) a.lease_expires_at_ms = now + w.attempt->lease_ttl_ms;
    a.created_at_ms = held ? held->created_at_ms : now;
    a.updated_at_ms = now;
    fence = a.fence;
    receipt.lease_expires_at_ms = a.lease_expires_at_ms;
    if (held) {
      next.intent.attempts[static_cast<std::size_t>(a.number) - 1] = std::move(a);
    } else {
      next.intent.attempts.push_back(std::move(a));
    }
  }

  // Rule: audit entries are sealed with payintent::seal_audit_entry, in
  // order, each chained to the one before, in the same atomic write.
  for (const auto& event : w.audit) {
    const audit_entry* previous = next.audit.empty() ? nullptr : &next.audit.back();
    next.audit.push_back(
        seal_audit_entry(event, previous, w.intent.tenant, w.intent.id, now, w.node_id, fence));
  }
  return next;
}

result<claim_result> map_store::claim(const claim_request& request) {
  return no_throw([&]() -> result<claim_result> {
    std::lock_guard lock(mutex_);
    const std::int64_t t = now();
    claim_result out;

    // Rule: the key is checked before the write's preconditions, so a retry
    // whose intent has moved on since still gets its replay.
    const scoped_name key_name{request.key.tenant.str(), request.key.key.str()};
    if (const auto it = keys_.find(key_name); it != keys_.end()) {
      out.status = compare_fingerprints(it->second, request.key);
      out.existing = it->second;  // the stored record, not the one the retry brought
      return out;
    }

    // Rule: a claim whose write fails writes nothing, so the key stays free
    // for a corrected retry. prepare() only reads.
    intent_row next;
    if (request.write) {
      BOOST_OUTCOME_TRY(next, prepare(*request.write, t, out.receipt));
    }
    key_record record = request.key;
    record.created_at_ms = t;
    record.expires_at_ms = t + request.retention_ms;

    // Install: two map insertions, each of which may throw only before it
    // changes its map. If the second throws, undo the first: all or nothing.
    const auto key_it = keys_.emplace(key_name, std::move(record)).first;
    if (request.write) {
      try {
        const auto& w = *request.write;
        intents_.insert_or_assign({w.intent.tenant.str(), w.intent.id.str()}, std::move(next));
      } catch (...) {
        keys_.erase(key_it);
        throw;
      }
    }
    out.status = claim_status::claimed;
    return out;
  });
}

result<write_receipt> map_store::commit(const intent_write& write) {
  return no_throw([&]() -> result<write_receipt> {
    std::lock_guard lock(mutex_);
    write_receipt receipt;
    BOOST_OUTCOME_TRY(auto next, prepare(write, now(), receipt));
    intents_.insert_or_assign({write.intent.tenant.str(), write.intent.id.str()}, std::move(next));
    return receipt;
  });
}

result<std::optional<payment_intent>> map_store::load(const tenant_id& tenant,
                                                      const intent_id& id) {
  return no_throw([&]() -> result<std::optional<payment_intent>> {
    std::lock_guard lock(mutex_);
    const auto it = intents_.find({tenant.str(), id.str()});
    if (it == intents_.end()) return std::optional<payment_intent>{};
    return std::optional<payment_intent>{it->second.intent};
  });
}

result<std::optional<key_record>> map_store::load_key(const tenant_id& tenant,
                                                      const idempotency_key& key) {
  return no_throw([&]() -> result<std::optional<key_record>> {
    std::lock_guard lock(mutex_);
    const auto it = keys_.find({tenant.str(), key.str()});
    if (it == keys_.end()) return std::optional<key_record>{};
    return std::optional<key_record>{it->second};
  });
}

result<std::vector<unresolved_attempt>> map_store::list_unresolved(std::size_t limit) {
  return no_throw([&]() -> result<std::vector<unresolved_attempt>> {
    std::lock_guard lock(mutex_);
    const std::int64_t t = now();
    std::vector<unresolved_attempt> out;
    for (const auto& [name, row] : intents_) {
      for (const auto& a : row.intent.attempts) {
        if (!is_unresolved(a.state)) continue;  // init, pending, unknown
        // Rule: lease_expired by the store clock at listing time.
        out.push_back({row.intent.tenant, row.intent.id, a.number, a.state, a.lease_expires_at_ms,
                       a.lease_expires_at_ms <= t});
      }
    }
    // Oldest lease first; ties in a stable order.
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
      return std::tie(x.lease_expires_at_ms, x.tenant, x.intent, x.attempt_number) <
             std::tie(y.lease_expires_at_ms, y.tenant, y.intent, y.attempt_number);
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  });
}

// Rule: only intents in requires_action, last changed at or before the
// cutoff, oldest first. A scan, for clarity; a database would index it.
result<std::vector<requires_action_intent>> map_store::list_requires_action(
    std::int64_t updated_at_or_before_ms, std::size_t limit) {
  return no_throw([&]() -> result<std::vector<requires_action_intent>> {
    std::lock_guard lock(mutex_);
    std::vector<requires_action_intent> out;
    for (const auto& [name, row] : intents_) {
      const auto& pi = row.intent;
      if (pi.status == intent_status::requires_action &&
          pi.updated_at_ms <= updated_at_or_before_ms)
        out.push_back({pi.tenant, pi.id, pi.updated_at_ms});
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
      return std::tie(x.updated_at_ms, x.tenant, x.intent) <
             std::tie(y.updated_at_ms, y.tenant, y.intent);
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  });
}

result<std::vector<audit_entry>> map_store::audit_trail(const tenant_id& tenant,
                                                        const intent_id& id) {
  return no_throw([&]() -> result<std::vector<audit_entry>> {
    std::lock_guard lock(mutex_);
    const auto it = intents_.find({tenant.str(), id.str()});
    if (it == intents_.end()) return std::vector<audit_entry>{};
    return it->second.audit;
  });
}

result<std::size_t> map_store::purge_expired_keys(std::size_t limit) {
  return no_throw([&]() -> result<std::size_t> {
    std::lock_guard lock(mutex_);
    const std::int64_t t = now();

    // Rule: a key whose stored result names an attempt that is still
    // unresolved guards it, however old: recovery may still need it.
    auto guards_unresolved = [&](const key_record& k) {
      const auto it = intents_.find({k.tenant.str(), k.result.intent.str()});
      if (it == intents_.end()) return false;
      const attempt* a = find_attempt(it->second.intent, k.result.attempt_number);
      return a != nullptr && is_unresolved(a->state);
    };

    // Rule: only keys expired by the store clock, oldest first, at most
    // `limit` per call (callers purge in small batches).
    std::vector<std::pair<std::int64_t, scoped_name>> expired;
    for (const auto& [name, k] : keys_) {
      if (k.expires_at_ms <= t && !guards_unresolved(k)) {
        expired.emplace_back(k.expires_at_ms, name);
      }
    }
    std::sort(expired.begin(), expired.end());
    if (expired.size() > limit) expired.resize(limit);
    for (const auto& [expiry, name] : expired) keys_.erase(name);
    return expired.size();
  });
}

result<std::int64_t> map_store::now_ms() {
  return no_throw([&]() -> result<std::int64_t> { return now(); });
}

}  // namespace example
