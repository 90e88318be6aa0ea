// A hash map split into shards, each under its own mutex: for the registries
// every call touches (claims being coalesced, attempts in flight, the fake
// network's ledger), so that concurrent calls on different keys seldom wait
// for each other. Each shard is an open-addressing table: an entry costs no
// allocation of its own, and growing one shard never stalls the others.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>

namespace payintent::detail {

// This thread's turn among the threads that asked: 0 for the first, 1 for the
// next, ... For maps sharded by thread rather than by key (sharded_map::home_index).
inline std::size_t this_thread_turn() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return mine;
}

template <class Key, class Value, class Hash = std::hash<Key>, std::size_t Shards = 32>
class sharded_map {
 public:
  // On cache lines of its own: threads on neighbouring shards share none.
  struct alignas(64) shard {
    std::mutex mutex;  // guards `map`
    // Entries move when the table grows: hold no pointer into it unlocked.
    boost::unordered_flat_map<Key, Value, Hash> map;
  };

  // The shard that holds `key`; lock its mutex before touching its map.
  shard& of(const Key& key) noexcept {
    // High bits: the map inside a shard buckets by the low ones.
    return shards_[(Hash{}(key) >> 16) % Shards];
  }

  // For a map sharded by thread rather than by key (attempts in flight, the
  // fake network's ledger): the index of this thread's own shard, which the
  // threads take in turn, and the shard at an index. Writes there touch cache
  // lines no other thread writes; a lookup by key must try every shard.
  static std::size_t home_index() noexcept { return this_thread_turn() % Shards; }
  shard& at(std::size_t index) noexcept { return shards_[index]; }

  // Calls `f(map)` for each shard's map, under that shard's lock (one at a
  // time: a snapshot of each shard, not of the whole).
  template <class F>
  void for_each_shard(F&& f) {
    for (shard& s : shards_) {
      std::lock_guard lock(s.mutex);
      f(s.map);
    }
  }

 private:
  std::array<shard, Shards> shards_;
};

}  // namespace payintent::detail
