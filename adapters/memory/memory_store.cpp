// The in-memory store. One mutex guards all state, but a write holds it only
// for lookups and pointer swaps: it snapshots what it needs under the lock,
// validates, copies and seals (SHA-256) outside it, then installs under the
// lock if its intent did not change meanwhile, else starts over. Intent rows
// are immutable and shared, so readers copy them outside the lock too.
#include "payintent/memory_store.hpp"

#include "memory_write.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace payintent {
namespace {

using namespace memory_detail;

std::int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Allocation failure is the only way an operation can throw; the contract
// says no exception escapes, and install() undoes what it began.
template <class F>
auto guarded(F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return errc::storage_full;
  } catch (...) {
    return errc::store_unavailable;
  }
}

}  // namespace

struct memory_store::state {
  std::function<std::int64_t()> clock;
  std::mutex mutex;
  std::unordered_map<std::string, key_record> keys;      // by scoped(tenant, key)
  std::unordered_map<std::string, intent_slot> intents;  // by scoped(tenant, id)
  // Unresolved attempts by lease expiry, oldest first.
  std::set<std::tuple<std::int64_t, intent_slot*, int>> unresolved;
  // Intents in requires_action by their last change, oldest first.
  std::set<std::pair<std::int64_t, intent_slot*>> waiting;
  // Keys by expiry, pointing at the key strings in `keys`.
  std::map<std::int64_t, std::vector<const std::string*>> expiries;

  std::int64_t now() const { return clock ? clock() : system_now_ms(); }

  // Under the lock.
  snapshot take(const intent_write& w) {
    snapshot s;
    s.now = now();
    auto it = intents.find(scoped(w.intent.tenant.str(), w.intent.id.str()));
    if (it != intents.end()) {
      s.slot = &it->second;
      s.row = it->second.row;
      if (!it->second.audit.empty()) s.last_audit = it->second.audit.back();
    }
    return s;
  }

  enum class installed { done, retry, key_exists };

  // Under the lock: installs `st` and/or the key `key` with `record` if the
  // intent is as `s` saw it. retry: it changed, nothing was written.
  // key_exists: `*existing` is the stored record, nothing was written.
  installed install(const snapshot& s, staged* st, std::string* key, key_record* record,
                    const key_record** existing) {
    intent_slot* slot = s.slot;
    if (st && slot && slot->row != s.row) return installed::retry;

    using index_entry = std::tuple<std::int64_t, intent_slot*, int>;
    auto kit = keys.end();
    bool slot_created = false;
    std::optional<index_entry> added;
    std::optional<std::pair<std::int64_t, intent_slot*>> waiting_added;
    bool expiry_added = false;
    auto undo = [&] {
      if (expiry_added) {
        auto b = expiries.find(record->expires_at_ms);
        b->second.pop_back();
        if (b->second.empty()) expiries.erase(b);
      }
      if (added) unresolved.erase(*added);
      if (waiting_added) waiting.erase(*waiting_added);
      if (slot_created) intents.erase(st->intent_key);
      if (kit != keys.end()) {
        *key = kit->first;  // kept for the next round
        keys.erase(kit);
      }
    };
    try {
      if (key) {
        auto [it, fresh] = keys.try_emplace(std::move(*key));
        if (!fresh) {
          *existing = &it->second;
          return installed::key_exists;
        }
        kit = it;
      }
      if (st && !slot) {
        auto [it, fresh] = intents.try_emplace(st->intent_key);
        if (!fresh) {
          undo();
          return installed::retry;
        }
        slot = &it->second;
        slot_created = true;
      }
      if (st) {
        slot->audit.reserve(slot->audit.size() + st->audit.size());
        const attempt* a = find_attempt(st->row.get(), st->attempt_number);
        if (a && is_unresolved(a->state)) {
          index_entry entry{a->lease_expires_at_ms, slot, a->number};
          if (unresolved.insert(entry).second) added = entry;
        }
        if (st->row->status == intent_status::requires_action) {
          std::pair entry{st->row->updated_at_ms, slot};
          if (waiting.insert(entry).second) waiting_added = entry;
        }
      }
      if (key) {
        expiries[record->expires_at_ms].push_back(&kit->first);
        expiry_added = true;
      }
    } catch (...) {
      undo();
      throw;
    }

    // Nothing below allocates.
    if (key) kit->second = std::move(*record);
    if (!st) return installed::done;
    const attempt* before = find_attempt(s.row.get(), st->attempt_number);
    const attempt* after = find_attempt(st->row.get(), st->attempt_number);
    if (before && is_unresolved(before->state) &&
        !(is_unresolved(after->state) &&
          after->lease_expires_at_ms == before->lease_expires_at_ms)) {
      unresolved.erase(index_entry{before->lease_expires_at_ms, slot, before->number});
    }
    if (s.row && s.row->status == intent_status::requires_action &&
        !(st->row->status == intent_status::requires_action &&
          st->row->updated_at_ms == s.row->updated_at_ms)) {
      waiting.erase({s.row->updated_at_ms, slot});
    }
    st->released = std::exchange(slot->row, std::move(st->row));
    for (auto& e : st->audit) slot->audit.push_back(std::move(e));
    return installed::done;
  }

  // True when the key's stored result names an attempt still unresolved.
  bool guards_unresolved(const key_record& k) const {
    const auto& r = k.result;
    if (r.intent.empty() || r.attempt_number < 1) return false;
    auto it = intents.find(scoped(k.tenant.str(), r.intent.str()));
    if (it == intents.end()) return false;
    const attempt* a = find_attempt(it->second.row.get(), r.attempt_number);
    return a && is_unresolved(a->state);
  }
};

memory_store::memory_store(memory_store_options options) : state_(std::make_unique<state>()) {
  state_->clock = std::move(options.clock);
}

memory_store::~memory_store() = default;

result<claim_result> memory_store::claim(const claim_request& request) {
  return guarded([&]() -> result<claim_result> {
    auto& s = *state_;
    std::string key = scoped(request.key.tenant.str(), request.key.key.str());
    claim_result out;
    for (;;) {
      // Declared before the locks, so what they own is freed after them.
      snapshot snap;
      std::optional<staged> st;
      key_record record;
      {
        std::lock_guard lock(s.mutex);
        // The key is checked first, so a retry whose intent moved on replays.
        if (auto it = s.keys.find(key); it != s.keys.end()) {
          out.status = it->second.fingerprint == request.key.fingerprint ? claim_status::replay
                                                                         : claim_status::mismatch;
          out.existing = it->second;
          return out;
        }
        if (request.write) {
          snap = s.take(*request.write);
        } else {
          snap.now = s.now();
        }
      }
      if (request.write) {
        auto built = stage(*request.write, snap);
        if (!built) return built.error();
        st = std::move(built).value();
      }
      record = request.key;
      record.created_at_ms = snap.now;
      record.expires_at_ms = snap.now + request.retention_ms;

      std::lock_guard lock(s.mutex);
      const key_record* existing = nullptr;
      switch (s.install(snap, st ? &*st : nullptr, &key, &record, &existing)) {
        case state::installed::retry:
          continue;
        case state::installed::key_exists:
          out.status = existing->fingerprint == request.key.fingerprint ? claim_status::replay
                                                                        : claim_status::mismatch;
          out.existing = *existing;
          return out;
        case state::installed::done:
          out.status = claim_status::claimed;
          if (st) out.receipt = st->receipt;
          return out;
      }
    }
  });
}

result<write_receipt> memory_store::commit(const intent_write& write) {
  return guarded([&]() -> result<write_receipt> {
    auto& s = *state_;
    for (;;) {
      snapshot snap;
      {
        std::lock_guard lock(s.mutex);
        snap = s.take(write);
      }
      auto st = stage(write, snap);
      if (!st) return st.error();
      std::lock_guard lock(s.mutex);
      if (s.install(snap, &st.value(), nullptr, nullptr, nullptr) == state::installed::done)
        return st.value().receipt;
    }
  });
}

result<std::optional<payment_intent>> memory_store::load(const tenant_id& tenant,
                                                         const intent_id& id) {
  return guarded([&]() -> result<std::optional<payment_intent>> {
    auto& s = *state_;
    const std::string key = scoped(tenant.str(), id.str());
    intent_ptr row;
    {
      std::lock_guard lock(s.mutex);
      auto it = s.intents.find(key);
      if (it == s.intents.end()) return std::optional<payment_intent>{};
      row = it->second.row;
    }
    return std::optional<payment_intent>{*row};  // rows are immutable: copy unlocked
  });
}

result<std::optional<key_record>> memory_store::load_key(const tenant_id& tenant,
                                                         const idempotency_key& key) {
  return guarded([&]() -> result<std::optional<key_record>> {
    auto& s = *state_;
    const std::string k = scoped(tenant.str(), key.str());
    std::lock_guard lock(s.mutex);
    auto it = s.keys.find(k);
    if (it == s.keys.end()) return std::optional<key_record>{};
    return std::optional<key_record>{it->second};
  });
}

result<std::vector<unresolved_attempt>> memory_store::list_unresolved(std::size_t limit) {
  return guarded([&]() -> result<std::vector<unresolved_attempt>> {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    const std::int64_t now = s.now();
    std::vector<unresolved_attempt> out;
    for (auto it = s.unresolved.begin(); it != s.unresolved.end() && out.size() < limit; ++it) {
      const auto& [lease, slot, number] = *it;
      const auto& row = *slot->row;
      const attempt_state current = find_attempt(&row, number)->state;
      out.push_back({row.tenant, row.id, number, current, lease, lease <= now});
    }
    return out;
  });
}

result<std::vector<requires_action_intent>> memory_store::list_requires_action(
    std::int64_t updated_at_or_before_ms, std::size_t limit) {
  return guarded([&]() -> result<std::vector<requires_action_intent>> {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    std::vector<requires_action_intent> out;
    for (auto it = s.waiting.begin();
         it != s.waiting.end() && it->first <= updated_at_or_before_ms && out.size() < limit;
         ++it) {
      const auto& row = *it->second->row;
      out.push_back({row.tenant, row.id, it->first});
    }
    return out;
  });
}

result<std::vector<audit_entry>> memory_store::audit_trail(const tenant_id& tenant,
                                                           const intent_id& id) {
  return guarded([&]() -> result<std::vector<audit_entry>> {
    auto& s = *state_;
    const std::string key = scoped(tenant.str(), id.str());
    std::vector<audit_ptr> entries;
    {
      std::lock_guard lock(s.mutex);
      auto it = s.intents.find(key);
      if (it == s.intents.end()) return std::vector<audit_entry>{};
      entries = it->second.audit;
    }
    std::vector<audit_entry> out;
    out.reserve(entries.size());
    for (const auto& e : entries) out.push_back(*e);
    return out;
  });
}

result<std::size_t> memory_store::purge_expired_keys(std::size_t limit) {
  return guarded([&]() -> result<std::size_t> {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    const std::int64_t now = s.now();
    std::size_t purged = 0;
    for (auto b = s.expiries.begin(); b != s.expiries.end() && b->first <= now && purged < limit;) {
      auto& bucket = b->second;
      std::size_t kept = 0;
      for (const std::string* name : bucket) {
        if (purged < limit) {
          auto it = s.keys.find(*name);
          if (!s.guards_unresolved(it->second)) {  // else kept until reconciled
            s.keys.erase(it);
            ++purged;
            continue;
          }
        }
        bucket[kept++] = name;
      }
      bucket.resize(kept);
      b = bucket.empty() ? s.expiries.erase(b) : std::next(b);
    }
    return purged;
  });
}

result<std::int64_t> memory_store::now_ms() {
  return guarded([&]() -> result<std::int64_t> { return state_->now(); });
}

bool memory_store::tamper_audit_entry_for_testing(const tenant_id& tenant, const intent_id& intent,
                                                  const audit_entry& entry) {
  auto& s = *state_;
  const std::string key = scoped(tenant.str(), intent.str());
  auto replacement = std::make_shared<const audit_entry>(entry);
  std::lock_guard lock(s.mutex);
  auto it = s.intents.find(key);
  if (it == s.intents.end()) return false;
  for (auto& e : it->second.audit) {
    if (e->sequence == entry.sequence) {
      e = std::move(replacement);
      return true;
    }
  }
  return false;
}

}  // namespace payintent
