// The in-memory store. State is split into shards, each with its own mutex:
// key shards (keys and their expiries, by (tenant, key)) and intent shards
// (rows, audit chains and the recovery indexes, by (tenant, intent id)), so
// writes to different intents rarely wait for each other. A write holds a
// lock only for lookups and pointer swaps: it snapshots what it needs,
// validates, copies and seals (SHA-256) outside any lock, then installs if
// its intent did not change meanwhile, else starts over. Intent rows are
// immutable and shared, so readers copy them outside the lock too.
//
// Lock order: a key shard before an intent shard, one of each at most.
#include "payintent/memory_store.hpp"

#include "memory_outbox.hpp"
#include "memory_write.hpp"
#include "payintent/store_kit.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace payintent {
namespace {

using namespace memory_detail;

// Enough that two threads (or a few dozen) seldom meet on one shard.
constexpr std::size_t shard_count = 64;

// When a key expires, and its record.
using expiry = std::pair<std::int64_t, const key_record*>;

// Open-addressing tables: a lookup in millions of entries touches a cache
// line or two, where a node-based map chases pointers. Each shard has cache
// lines of its own, so threads working on neighbouring shards do not bounce
// one line between their cores.
struct alignas(64) key_shard {
  std::mutex mutex;
  // Records are boxed: built outside the lock, and the table stays small
  // (cheap to grow) however large a record is.
  boost::unordered_flat_map<key_name, std::unique_ptr<key_record>, scoped_hash> keys;
  // Keys by expiry: a min-heap (see later_expiry), one allocation amortised
  // over many keys. It points at the boxed records, which stay put until
  // purge erases them, taking their entry out of the heap as it does.
  std::vector<expiry> expiries;
};

struct alignas(64) intent_shard {
  std::mutex mutex;
  // Slots are boxed so pointers to them (the indexes below, snapshots) stay
  // valid when the table grows; a slot is never erased once installed.
  boost::unordered_flat_map<intent_name, std::unique_ptr<intent_slot>, scoped_hash> intents;
  // Unresolved attempts by lease expiry, oldest first.
  std::set<std::tuple<std::int64_t, intent_slot*, int>> unresolved;
  // Intents in requires_action by their last change, oldest first.
  std::set<std::pair<std::int64_t, intent_slot*>> waiting;
};

// The heap order of key_shard::expiries: the earliest expiry on top.
bool later_expiry(const expiry& a, const expiry& b) noexcept {
  return a.first > b.first;
}

// Room in `v` for `more` elements, doubling when it grows, so a long chain
// written a few entries at a time is not copied on every write.
template <class Vector>
void reserve_for(Vector& v, std::size_t more) {
  const std::size_t needed = v.size() + more;
  if (needed > v.capacity()) v.reserve(std::max(needed, 2 * v.capacity()));
}

template <class Shard, class Name>
Shard& shard_of(std::array<Shard, shard_count>& shards, const Name& name) {
  // High bits: the maps inside a shard bucket by the low ones.
  return shards[(scoped_hash{}(name) >> 16) % shard_count];
}

}  // namespace

struct memory_store::state {
  std::function<std::int64_t()> clock;
  std::array<key_shard, shard_count> key_shards;
  std::array<intent_shard, shard_count> intent_shards;
  memory_outbox outbox;  // its lock taken after a shard's

  std::int64_t now() const { return clock ? clock() : store_kit::system_clock_ms(); }

  key_shard& keys_of(const key_name& k) { return shard_of(key_shards, k); }
  intent_shard& intents_of(const intent_name& i) { return shard_of(intent_shards, i); }

  // Under `is`'s lock.
  snapshot take(intent_shard& is, const intent_name& name) {
    snapshot s;
    s.now = now();
    auto it = is.intents.find(name);
    if (it != is.intents.end()) {
      s.slot = it->second.get();
      s.row = s.slot->row;
      if (!s.slot->audit.empty()) {
        s.last_sequence = s.slot->audit.back().sequence;
        s.last_hash = s.slot->audit.back().hash;
      }
    }
    return s;
  }

  enum class installed { done, retry, key_exists };

  // Under the locks of `ks` (when `key`) and `is` (when `st`): installs `st`
  // and/or the key `key` with `record` if the intent is as `s` saw it.
  // retry: it changed, nothing was written. key_exists: `*existing` is the
  // stored record, nothing was written.
  installed install(key_shard* ks, intent_shard* is, const snapshot& s, staged* st,
                           const key_name* key, std::unique_ptr<key_record>* record,
                           const key_record** existing) {
    intent_slot* slot = s.slot;
    if (st && slot && slot->row != s.row) return installed::retry;

    using index_entry = std::tuple<std::int64_t, intent_slot*, int>;
    decltype(ks->keys.begin()) kit{};
    bool key_added = false;
    bool slot_created = false;
    std::optional<index_entry> added;
    std::optional<std::pair<std::int64_t, intent_slot*>> waiting_added;
    std::size_t events_added = 0;
    auto undo = [&] {
      if (events_added > 0) outbox.drop_newest(events_added);
      if (added) is->unresolved.erase(*added);
      if (waiting_added) is->waiting.erase(*waiting_added);
      if (slot_created) is->intents.erase(st->intent_key);
      if (key_added) ks->keys.erase(kit);
    };
    try {
      if (key) {
        auto [it, fresh] = ks->keys.try_emplace(*key);
        if (!fresh) {
          *existing = it->second.get();
          return installed::key_exists;
        }
        kit = it;
        key_added = true;
      }
      if (st && !slot) {
        auto [it, fresh] = is->intents.try_emplace(st->intent_key);
        if (!fresh) {
          undo();
          return installed::retry;
        }
        slot_created = true;
        it->second = std::make_unique<intent_slot>();
        slot = it->second.get();
      }
      if (st) {
        // A typical chain fits the room the slot holds; a longer one grows.
        reserve_for(slot->audit, st->audit.size());
        reserve_for(slot->audit_text, st->audit_text.size());
        const attempt* a = find_attempt(st->row.get(), st->attempt_number);
        if (a && is_unresolved(a->state)) {
          index_entry entry{a->lease_expires_at_ms, slot, a->number};
          if (is->unresolved.insert(entry).second) added = entry;
        }
        if (st->row->status == intent_status::requires_action) {
          std::pair entry{st->row->updated_at_ms, slot};
          if (is->waiting.insert(entry).second) waiting_added = entry;
        }
      }
      // The change's events, numbered in the order changes are installed.
      if (st) events_added = outbox.append(st->events);
      // Last: once it is in, nothing below can fail.
      if (key) ks->expiries.emplace_back((*record)->expires_at_ms, record->get());
    } catch (...) {
      undo();
      throw;
    }

    // Nothing below allocates.
    if (key) {
      std::push_heap(ks->expiries.begin(), ks->expiries.end(), later_expiry);
      kit->second = std::move(*record);
    }
    if (!st) return installed::done;
    const attempt* before = find_attempt(s.row.get(), st->attempt_number);
    const attempt* after = find_attempt(st->row.get(), st->attempt_number);
    if (before && is_unresolved(before->state) &&
        !(is_unresolved(after->state) &&
          after->lease_expires_at_ms == before->lease_expires_at_ms)) {
      is->unresolved.erase(index_entry{before->lease_expires_at_ms, slot, before->number});
    }
    if (s.row && s.row->status == intent_status::requires_action &&
        !(st->row->status == intent_status::requires_action &&
          st->row->updated_at_ms == s.row->updated_at_ms)) {
      is->waiting.erase({s.row->updated_at_ms, slot});
    }
    st->released = std::exchange(slot->row, std::move(st->row));
    // Within the capacity reserved above.
    const auto base = static_cast<std::uint32_t>(slot->audit_text.size());
    slot->audit_text.insert(slot->audit_text.end(), st->audit_text.begin(), st->audit_text.end());
    for (kept_audit e : st->audit) {
      e.text_begin += base;
      slot->audit.push_back(e);
    }
    return installed::done;
  }

  // Under a key shard's lock: true when the key's stored result names an
  // attempt still unresolved.
  bool guards_unresolved(const key_record& k) {
    const auto& r = k.result;
    if (r.intent.empty() || r.attempt_number < 1) return false;
    const intent_name name{k.tenant, r.intent};
    intent_shard& is = intents_of(name);
    std::lock_guard lock(is.mutex);
    auto it = is.intents.find(name);
    return it != is.intents.end() && store_kit::guards_unresolved_attempt(k, *it->second->row);
  }
};

memory_store::memory_store(memory_store_options options) : state_(std::make_unique<state>()) {
  state_->clock = std::move(options.clock);
}

memory_store::~memory_store() = default;

result<claim_result> memory_store::claim(const claim_request& request) {
  return store_kit::guard([&]() -> result<claim_result> {
    auto& s = *state_;
    const key_name key{request.key.tenant, request.key.key};
    key_shard& ks = s.keys_of(key);
    const intent_name name =
        request.write ? intent_name{request.write->intent.tenant, request.write->intent.id}
                      : intent_name{};
    intent_shard* is = request.write ? &s.intents_of(name) : nullptr;
    for (bool first_try = true;; first_try = false) {
      // Declared before the locks, so what they own is freed after them.
      snapshot snap;
      std::optional<staged> st;
      std::unique_ptr<key_record> record;
      {
        // The key is checked first, so a retry whose intent moved on replays.
        std::lock_guard lock(ks.mutex);
        if (auto it = ks.keys.find(key); it != ks.keys.end())
          return store_kit::taken_key_answer(*it->second, request);
      }
      if (is) {
        if (first_try && request.write->expected_version == 0) {
          // An insert's first try has nothing to see: install finds out if
          // the intent appeared meanwhile, and the retry then takes a snapshot.
          snap.now = s.now();
        } else {
          std::lock_guard lock(is->mutex);
          snap = s.take(*is, name);
        }
        auto built = stage(*request.write, name, snap);
        if (!built) return built.error();
        st = std::move(built).value();
      } else {
        snap.now = s.now();
      }
      record = std::make_unique<key_record>(store_kit::key_to_insert(request, snap.now));

      std::unique_lock key_lock(ks.mutex);
      std::unique_lock<std::mutex> intent_lock;
      if (is) intent_lock = std::unique_lock(is->mutex);
      const key_record* existing = nullptr;
      switch (s.install(&ks, is, snap, st ? &*st : nullptr, &key, &record, &existing)) {
        case state::installed::retry:
          continue;
        case state::installed::key_exists:
          return store_kit::taken_key_answer(*existing, request);
        case state::installed::done: {
          claim_result out;
          out.status = claim_status::claimed;
          if (st) out.receipt = st->receipt;
          return out;
        }
      }
    }
  });
}

result<write_receipt> memory_store::commit(const intent_write& write) {
  return store_kit::guard([&]() -> result<write_receipt> {
    auto& s = *state_;
    const intent_name name{write.intent.tenant, write.intent.id};
    intent_shard& is = s.intents_of(name);
    for (;;) {
      snapshot snap;
      {
        std::lock_guard lock(is.mutex);
        snap = s.take(is, name);
      }
      auto st = stage(write, name, snap);
      if (!st) return st.error();
      std::lock_guard lock(is.mutex);
      if (s.install(nullptr, &is, snap, &st.value(), nullptr, nullptr, nullptr) ==
          state::installed::done)
        return st.value().receipt;
    }
  });
}

result<std::optional<payment_intent>> memory_store::load(const tenant_id& tenant,
                                                         const intent_id& id) {
  return store_kit::guard([&]() -> result<std::optional<payment_intent>> {
    const intent_name name{tenant, id};
    intent_shard& is = state_->intents_of(name);
    intent_ptr row;
    {
      std::lock_guard lock(is.mutex);
      auto it = is.intents.find(name);
      if (it == is.intents.end()) return std::optional<payment_intent>{};
      row = it->second->row;
    }
    return std::optional<payment_intent>{*row};  // rows are immutable: copy unlocked
  });
}

result<std::optional<key_record>> memory_store::load_key(const tenant_id& tenant,
                                                         const idempotency_key& key) {
  return store_kit::guard([&]() -> result<std::optional<key_record>> {
    const key_name name{tenant, key};
    key_shard& ks = state_->keys_of(name);
    std::lock_guard lock(ks.mutex);
    auto it = ks.keys.find(name);
    if (it == ks.keys.end()) return std::optional<key_record>{};
    return std::optional<key_record>{*it->second};
  });
}

// Each shard's oldest `limit`, merged: the oldest `limit` of all.
result<std::vector<unresolved_attempt>> memory_store::list_unresolved(std::size_t limit) {
  return store_kit::guard([&]() -> result<std::vector<unresolved_attempt>> {
    auto& s = *state_;
    const std::int64_t now = s.now();
    std::vector<unresolved_attempt> out;
    for (intent_shard& is : s.intent_shards) {
      std::lock_guard lock(is.mutex);
      std::size_t taken = 0;
      for (auto it = is.unresolved.begin(); it != is.unresolved.end() && taken < limit;
           ++it, ++taken) {
        const auto& [lease, slot, number] = *it;
        const auto& row = *slot->row;
        const attempt_state current = find_attempt(&row, number)->state;
        out.push_back({row.tenant, row.id, number, current, lease, lease <= now});
      }
    }
    store_kit::keep_oldest(out, limit);
    return out;
  });
}

result<std::vector<requires_action_intent>> memory_store::list_requires_action(
    std::int64_t updated_at_or_before_ms, std::size_t limit) {
  return store_kit::guard([&]() -> result<std::vector<requires_action_intent>> {
    std::vector<requires_action_intent> out;
    for (intent_shard& is : state_->intent_shards) {
      std::lock_guard lock(is.mutex);
      std::size_t taken = 0;
      for (auto it = is.waiting.begin();
           it != is.waiting.end() && it->first <= updated_at_or_before_ms && taken < limit;
           ++it, ++taken) {
        const auto& row = *it->second->row;
        out.push_back({row.tenant, row.id, it->first});
      }
    }
    store_kit::keep_oldest(out, limit);
    return out;
  });
}

// A pass over every intent, a shard at a time: holds are few and recovery
// asks once a pass, so no index is kept for them on the write path.
result<std::vector<requires_capture_intent>> memory_store::list_requires_capture(
    std::int64_t authorized_at_or_before_ms, std::size_t limit) {
  return store_kit::guard([&]() -> result<std::vector<requires_capture_intent>> {
    std::vector<requires_capture_intent> out;
    for (intent_shard& is : state_->intent_shards) {
      std::lock_guard lock(is.mutex);
      for (const auto& [name, slot] : is.intents) {
        const payment_intent& row = *slot->row;
        const auto held_since = store_kit::hold_authorized_at(row);
        if (held_since && *held_since <= authorized_at_or_before_ms) {
          out.push_back({row.tenant, row.id, *held_since});
        }
      }
    }
    store_kit::keep_oldest(out, limit);
    return out;
  });
}

result<std::vector<audit_entry>> memory_store::audit_trail(const tenant_id& tenant,
                                                           const intent_id& id) {
  return store_kit::guard([&]() -> result<std::vector<audit_entry>> {
    const intent_name name{tenant, id};
    intent_shard& is = state_->intents_of(name);
    std::vector<audit_entry> out;
    std::lock_guard lock(is.mutex);
    auto it = is.intents.find(name);
    if (it == is.intents.end()) return out;
    out.reserve(it->second->audit.size());
    sha256_digest prev{};  // the genesis hash
    for (const kept_audit& e : it->second->audit) {
      out.push_back(e.restore(tenant, id, it->second->text(), prev));
      prev = e.hash;
    }
    return out;
  });
}

result<std::size_t> memory_store::purge_expired_keys(std::size_t limit) {
  return store_kit::guard([&]() -> result<std::size_t> {
    auto& s = *state_;
    const std::int64_t now = s.now();
    std::size_t purged = 0;
    for (key_shard& ks : s.key_shards) {
      if (purged >= limit) break;
      std::lock_guard lock(ks.mutex);
      auto& heap = ks.expiries;
      std::vector<expiry> guarding;  // kept until reconciled
      // Back into the heap, within the capacity the pops left: no allocation.
      auto put_back = [&] {
        for (auto& e : guarding) {
          heap.push_back(e);
          std::push_heap(heap.begin(), heap.end(), later_expiry);
        }
      };
      try {
        while (!heap.empty() && heap.front().first <= now && purged < limit) {
          std::pop_heap(heap.begin(), heap.end(), later_expiry);
          const key_record& due = *heap.back().second;
          auto it = ks.keys.find(key_name{due.tenant, due.key});
          if (it != ks.keys.end() && s.guards_unresolved(*it->second)) {
            guarding.push_back(heap.back());  // the only step that can throw
          } else if (it != ks.keys.end()) {
            ks.keys.erase(it);
            ++purged;
          }
          heap.pop_back();
        }
      } catch (...) {
        std::push_heap(heap.begin(), heap.end(), later_expiry);  // the entry just popped
        put_back();
        throw;
      }
      put_back();
    }
    return purged;
  });
}

result<std::int64_t> memory_store::now_ms() {
  return store_kit::guard([&]() -> result<std::int64_t> { return state_->now(); });
}

bool memory_store::tamper_audit_entry_for_testing(const tenant_id& tenant, const intent_id& intent,
                                                  const audit_entry& entry) {
  const intent_name name{tenant, intent};
  intent_shard& is = state_->intents_of(name);
  std::lock_guard lock(is.mutex);
  auto it = is.intents.find(name);
  const auto prev = digest_from_hex(entry.prev_hash);
  const auto own = digest_from_hex(entry.hash);
  if (it == is.intents.end() || !prev || !own) return false;
  intent_slot& slot = *it->second;
  sha256_digest chained{};  // the genesis hash
  for (auto& e : slot.audit) {
    if (e.sequence == entry.sequence) {
      if (*prev != chained) return false;  // prev_hash is derived, not kept
      const audit_entry_view view{
          entry.sequence,       entry.time_ms, {},          {},
          entry.attempt_number, entry.event,   entry.from,  entry.to,
          entry.detail,         entry.node_id, entry.fence, entry.prev_hash};
      e = kept_audit::keep(view, *own, slot.audit_text);  // the old text stays, unused
      return true;
    }
    chained = e.hash;
  }
  return false;
}

// ---- Operating a store --------------------------------------------------

result<std::vector<payment_intent>> memory_store::list_by_status(intent_status status,
                                                                 const tenant_id& tenant,
                                                                 std::size_t limit) {
  return store_kit::guard([&]() -> result<std::vector<payment_intent>> {
    std::vector<intent_ptr> rows;
    for (intent_shard& is : state_->intent_shards) {
      std::lock_guard lock(is.mutex);
      for (const auto& [name, slot] : is.intents) {
        const payment_intent& row = *slot->row;
        if (row.status == status && (tenant.empty() || row.tenant == tenant)) {
          rows.push_back(slot->row);
        }
      }
    }
    auto older = [](const intent_ptr& a, const intent_ptr& b) {
      return std::tie(a->updated_at_ms, a->tenant, a->id) <
             std::tie(b->updated_at_ms, b->tenant, b->id);
    };
    const std::size_t kept = std::min(limit, rows.size());
    std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(kept), rows.end(),
                      older);
    std::vector<payment_intent> out;
    out.reserve(kept);
    for (std::size_t i = 0; i < kept; ++i) {
      out.push_back(*rows[i]);  // rows are immutable: copied unlocked
      out.back().attempts.clear();
    }
    return out;
  });
}

result<std::vector<audit_entry>> memory_store::scan_audit(const audit_position& after,
                                                          std::size_t limit) {
  return store_kit::guard([&]() -> result<std::vector<audit_entry>> {
    // Every chain at or after `after`'s, in (tenant, intent) order.
    struct chain {
      tenant_id tenant;
      intent_id intent;
      intent_shard* shard;
      intent_slot* slot;
    };
    std::vector<chain> chains;
    const auto from = std::tie(after.tenant, after.intent);
    for (intent_shard& is : state_->intent_shards) {
      std::lock_guard lock(is.mutex);
      for (const auto& [name, slot] : is.intents) {
        if (std::tie(name.tenant, name.name) >= from) {
          chains.push_back({name.tenant, name.name, &is, slot.get()});
        }
      }
    }
    std::sort(chains.begin(), chains.end(), [](const chain& a, const chain& b) {
      return std::tie(a.tenant, a.intent) < std::tie(b.tenant, b.intent);
    });
    std::vector<audit_entry> out;
    for (const chain& c : chains) {
      if (out.size() >= limit) break;
      std::lock_guard lock(c.shard->mutex);
      const bool same_chain = c.tenant == after.tenant && c.intent == after.intent;
      sha256_digest prev{};  // the genesis hash
      for (const kept_audit& e : c.slot->audit) {
        if (out.size() >= limit) break;
        if (!same_chain || e.sequence > after.sequence) {
          out.push_back(e.restore(c.tenant, c.intent, c.slot->text(), prev));
        }
        prev = e.hash;
      }
    }
    return out;
  });
}

result<std::vector<key_record>> memory_store::keys_of_intent(const tenant_id& tenant,
                                                             const intent_id& id) {
  return store_kit::guard([&]() -> result<std::vector<key_record>> {
    std::vector<key_record> out;
    for (key_shard& ks : state_->key_shards) {
      std::lock_guard lock(ks.mutex);
      for (const auto& [name, record] : ks.keys) {
        if (record->tenant == tenant && record->result.intent == id) out.push_back(*record);
      }
    }
    std::sort(out.begin(), out.end(), [](const key_record& a, const key_record& b) {
      return std::tie(a.created_at_ms, a.key) < std::tie(b.created_at_ms, b.key);
    });
    return out;
  });
}

result<store_counts> memory_store::count_records() {
  return store_kit::guard([&]() -> result<store_counts> {
    auto& s = *state_;
    store_counts counts;
    counts.now_ms = s.now();
    for (intent_shard& is : s.intent_shards) {
      std::lock_guard lock(is.mutex);
      counts.unresolved_attempts += is.unresolved.size();
      for (const auto& [name, slot] : is.intents) {
        ++counts.intents[slot->row->status];
        counts.audit_entries += slot->audit.size();
      }
    }
    for (key_shard& ks : s.key_shards) {
      std::lock_guard lock(ks.mutex);
      counts.keys += ks.keys.size();
      // Every stored key has one entry in the heap until purge erases both.
      for (const expiry& e : ks.expiries) {
        if (e.first <= counts.now_ms) ++counts.keys_expired;
      }
    }
    return counts;
  });
}

// ---- The event outbox ------------------------------------------------------

result<std::vector<event_record>> memory_store::read_events(const event_query& q) {
  return store_kit::guard(
      [&]() -> result<std::vector<event_record>> { return state_->outbox.read(q); });
}

result<std::uint64_t> memory_store::consumer_position(std::string_view name) {
  return store_kit::guard([&]() -> result<std::uint64_t> {
    if (!store_kit::valid_consumer_name(name)) return errc::invalid_argument;
    return state_->outbox.position(name);
  });
}

result<std::uint64_t> memory_store::acknowledge_events(std::string_view name,
                                                       std::uint64_t position) {
  return store_kit::guard([&]() -> result<std::uint64_t> {
    if (!store_kit::valid_consumer_name(name)) return errc::invalid_argument;
    return state_->outbox.acknowledge(name, position);
  });
}

result<std::size_t> memory_store::purge_events(std::int64_t created_before_ms, std::size_t limit) {
  return store_kit::guard(
      [&]() -> result<std::size_t> { return state_->outbox.purge(created_before_ms, limit); });
}

}  // namespace payintent
