// The map_store: every operation takes the one mutex, so each is atomic and
// sees a consistent picture. Comments marked "Rule:" point at the contract in
// include/payintent/idempotency_store.hpp (summarised in docs/adapters.md).
#include "map_store.hpp"

#include <payintent/store_kit.hpp>

#include <algorithm>
#include <mutex>

namespace example {
namespace {

using namespace payintent;

// Rule: every operation is atomic (it runs whole under the one lock) and
// throws nothing (the kit's guard maps an exception to an error).
template <class F>
auto locked(std::mutex& mutex, F&& f) noexcept -> decltype(f()) {
  return store_kit::guard([&]() -> decltype(f()) {
    std::lock_guard lock(mutex);
    return f();
  });
}

}  // namespace

map_store::map_store(map_store_options options) : clock_(std::move(options.clock)) {
}

// Rule: every time comes from the store's clock, never the caller's.
std::int64_t map_store::now() const {
  return clock_ ? clock_() : store_kit::system_clock_ms();
}

result<map_store::intent_row> map_store::prepare(const intent_write& w, std::int64_t now,
                                                 write_receipt& receipt) const {
  const auto found = intents_.find({w.intent.tenant.str(), w.intent.id.str()});
  const intent_row* stored = found == intents_.end() ? nullptr : &found->second;
  const payment_intent* before = stored ? &stored->intent : nullptr;

  // Rule: the preconditions, in the contract's order. The kit checks them
  // against what is stored and hands back what to persist.
  BOOST_OUTCOME_TRY(auto checked,
                    store_kit::check_write(w, store_kit::stored_intent_of(before, w), now));
  intent_row next;
  next.intent = store_kit::next_intent_row(w, before, checked);
  // Rule: audit entries are sealed in order, each chained to the one
  // before, in the same atomic write.
  if (stored) next.audit = stored->audit;
  for (const auto& event : w.audit) {
    const audit_entry* previous = next.audit.empty() ? nullptr : &next.audit.back();
    next.audit.push_back(store_kit::seal_audit(w, event, previous, now));
  }
  receipt = checked.receipt;
  return next;
}

result<claim_result> map_store::claim(const claim_request& request) {
  return locked(mutex_, [&]() -> result<claim_result> {
    const std::int64_t t = now();
    // Rule: the key is checked before the write's preconditions, so a retry
    // whose intent has moved on since still gets its replay.
    const scoped_name key_name{request.key.tenant.str(), request.key.key.str()};
    if (const auto it = keys_.find(key_name); it != keys_.end()) {
      return store_kit::taken_key_answer(it->second, request);
    }

    // Rule: a claim whose write fails writes nothing, so the key stays free
    // for a corrected retry. prepare() only reads.
    claim_result out;
    intent_row next;
    if (request.write) {
      BOOST_OUTCOME_TRY(next, prepare(*request.write, t, out.receipt));
    }
    key_record record = store_kit::key_to_insert(request, t);

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
  return locked(mutex_, [&]() -> result<write_receipt> {
    write_receipt receipt;
    BOOST_OUTCOME_TRY(auto next, prepare(write, now(), receipt));
    intents_.insert_or_assign({write.intent.tenant.str(), write.intent.id.str()}, std::move(next));
    return receipt;
  });
}

result<std::optional<payment_intent>> map_store::load(const tenant_id& tenant,
                                                      const intent_id& id) {
  return locked(mutex_, [&]() -> result<std::optional<payment_intent>> {
    const auto it = intents_.find({tenant.str(), id.str()});
    if (it == intents_.end()) return std::optional<payment_intent>{};
    return std::optional<payment_intent>{it->second.intent};
  });
}

result<std::optional<key_record>> map_store::load_key(const tenant_id& tenant,
                                                      const idempotency_key& key) {
  return locked(mutex_, [&]() -> result<std::optional<key_record>> {
    const auto it = keys_.find({tenant.str(), key.str()});
    if (it == keys_.end()) return std::optional<key_record>{};
    return std::optional<key_record>{it->second};
  });
}

result<std::vector<unresolved_attempt>> map_store::list_unresolved(std::size_t limit) {
  return locked(mutex_, [&]() -> result<std::vector<unresolved_attempt>> {
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
    store_kit::keep_oldest(out, limit);  // oldest lease first
    return out;
  });
}

// Rule: only intents in requires_action, last changed at or before the
// cutoff, oldest first. A scan, for clarity; a database would index it.
result<std::vector<requires_action_intent>> map_store::list_requires_action(
    std::int64_t updated_at_or_before_ms, std::size_t limit) {
  return locked(mutex_, [&]() -> result<std::vector<requires_action_intent>> {
    std::vector<requires_action_intent> out;
    for (const auto& [name, row] : intents_) {
      const auto& pi = row.intent;
      if (pi.status == intent_status::requires_action &&
          pi.updated_at_ms <= updated_at_or_before_ms)
        out.push_back({pi.tenant, pi.id, pi.updated_at_ms});
    }
    store_kit::keep_oldest(out, limit);
    return out;
  });
}

// Rule: only intents in requires_capture whose held authorization became
// authorized at or before the cutoff (store_kit::hold_authorized_at), oldest
// first. A scan again.
result<std::vector<requires_capture_intent>> map_store::list_requires_capture(
    std::int64_t authorized_at_or_before_ms, std::size_t limit) {
  return locked(mutex_, [&]() -> result<std::vector<requires_capture_intent>> {
    std::vector<requires_capture_intent> out;
    for (const auto& [name, row] : intents_) {
      const auto held_since = store_kit::hold_authorized_at(row.intent);
      if (held_since && *held_since <= authorized_at_or_before_ms)
        out.push_back({row.intent.tenant, row.intent.id, *held_since});
    }
    store_kit::keep_oldest(out, limit);
    return out;
  });
}

result<std::vector<audit_entry>> map_store::audit_trail(const tenant_id& tenant,
                                                        const intent_id& id) {
  return locked(mutex_, [&]() -> result<std::vector<audit_entry>> {
    const auto it = intents_.find({tenant.str(), id.str()});
    if (it == intents_.end()) return std::vector<audit_entry>{};
    return it->second.audit;
  });
}

result<std::size_t> map_store::purge_expired_keys(std::size_t limit) {
  return locked(mutex_, [&]() -> result<std::size_t> {
    const std::int64_t t = now();

    // Rule: a key whose stored result names an attempt that is still
    // unresolved guards it, however old: recovery may still need it.
    auto guards_unresolved = [&](const key_record& k) {
      const auto it = intents_.find({k.tenant.str(), k.result.intent.str()});
      return it != intents_.end() && store_kit::guards_unresolved_attempt(k, it->second.intent);
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
  return store_kit::guard([&]() -> result<std::int64_t> { return now(); });
}

}  // namespace example
