// A hash map split into shards, each under its own mutex: for the registries
// every call touches (claims being coalesced, attempts in flight, the fake
// network's ledger), so that concurrent calls on different keys seldom wait
// for each other. Each shard is an open-addressing table: an entry costs no
// allocation of its own, and growing one shard never stalls the others.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <mutex>

namespace payintent::detail {

template <class Key, class Value, class Hash = std::hash<Key>, std::size_t Shards = 32>
class sharded_map {
 public:
  // On cache lines of its own: threads on neighbouring shards share none.
  struct alignas(64) shard {
    std::mutex mutex;  // guards `map`
    // Entries move when the table grows: hold no pointer into it unlocked.
    boost::unordered_flat_map<Key, Value, Hash> map;
  };

  static constexpr std::size_t shard_count = Shards;

  // The shard that holds `key`; lock its mutex before touching its map.
  shard& of(const Key& key) noexcept {
    // High bits: the map inside a shard buckets by the low ones.
    return shards_[(Hash{}(key) >> 16) % Shards];
  }

  // Shard `index` (< shard_count), for a map whose caller picks shards by
  // something other than the key (attempts in flight and the fake network:
  // by thread).
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
