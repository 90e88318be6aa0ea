#include "engine/coalescer.hpp"

#include <boost/container_hash/hash.hpp>

namespace payintent::detail {

std::size_t coalescer::slot_hash::operator()(const slot& s) const noexcept {
  std::size_t seed = std::hash<tenant_id>{}(s.tenant);
  boost::hash_combine(seed, s.key.str());
  return seed;
}

coalescer::role coalescer::join(const std::shared_ptr<const mutation>& m, follower& f) {
  slot name{m->tenant, m->key};
  auto& shard = leads_.of(name);
  std::lock_guard lock(shard.mutex);
  auto [it, fresh] = shard.map.try_emplace(std::move(name));
  if (fresh) {
    it->second.leader = m;
    return role::lead;
  }
  if (it->second.leader->fingerprint != m->fingerprint) return role::alone;
  it->second.followers.push_back(std::move(f));
  return role::follow;
}

void coalescer::publish(const tenant_id& tenant, const idempotency_key& key,
                        const admission& leader) {
  const slot name{tenant, key};
  auto& shard = leads_.of(name);
  std::vector<follower> followers;
  {
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(name);
    if (it == shard.map.end()) return;
    followers = std::move(it->second.followers);
    shard.map.erase(it);
  }
  if (followers.empty()) return;
  admission duplicate = leader;
  if (duplicate.accepted) {
    duplicate.accepted.value().replayed = true;
    duplicate.accepted.value().own = nullptr;
    duplicate.diag.replayed = true;
  } else {
    // A definitive answer was stored with the key; a transient one was not.
    duplicate.diag.replayed = !is_retryable(duplicate.accepted.error());
  }
  for (auto& f : followers) f(duplicate);
}

}  // namespace payintent::detail
