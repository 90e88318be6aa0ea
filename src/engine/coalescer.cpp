#include "engine/coalescer.hpp"

namespace payintent::detail {

std::string coalescer::slot(const tenant_id& tenant, const idempotency_key& key) {
  // Tenants are [A-Za-z0-9_.-]: a newline cannot occur in one.
  return tenant.str() + '\n' + key.str();
}

coalescer::role coalescer::join(const tenant_id& tenant, const idempotency_key& key,
                                const std::string& fingerprint, follower f) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = leads_.try_emplace(slot(tenant, key));
  if (fresh) {
    it->second.fingerprint = fingerprint;
    return role::lead;
  }
  if (it->second.fingerprint != fingerprint) return role::alone;
  it->second.followers.push_back(std::move(f));
  return role::follow;
}

void coalescer::publish(const tenant_id& tenant, const idempotency_key& key,
                        const claim_outcome& leader) {
  std::vector<follower> followers;
  {
    std::lock_guard lock(mutex_);
    auto it = leads_.find(slot(tenant, key));
    if (it == leads_.end()) return;
    followers = std::move(it->second.followers);
    leads_.erase(it);
  }
  if (followers.empty()) return;
  claim_outcome duplicate = leader;
  if (duplicate.answer) {
    duplicate.answer.value().replayed = true;
    duplicate.answer.value().own = nullptr;
    duplicate.diag.replayed = true;
  } else {
    // A definitive answer was stored with the key; a transient one was not.
    duplicate.diag.replayed = !is_retryable(duplicate.answer.error());
  }
  for (auto& f : followers) f(duplicate);
}

}  // namespace payintent::detail
