// A hash map split into shards, each under its own mutex: for the registries
// every call touches (claims being coalesced, attempts in flight), so that
// concurrent calls on different keys seldom wait for each other.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace payintent::detail {

template <class Key, class Value, class Hash = std::hash<Key>, std::size_t Shards = 32>
class sharded_map {
 public:
  struct shard {
    std::mutex mutex;  // guards `map`
    std::unordered_map<Key, Value, Hash> map;
  };

  // The shard that holds `key`; lock its mutex before touching its map.
  shard& of(const Key& key) noexcept {
    // High bits: the map inside a shard buckets by the low ones.
    return shards_[(Hash{}(key) >> 16) % Shards];
  }

 private:
  std::array<shard, Shards> shards_;
};

}  // namespace payintent::detail
