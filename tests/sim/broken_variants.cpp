#include "broken_variants.hpp"

#include <memory>
#include <utility>

namespace payintent::sim {

intent_write unfenced_store::current_holder(intent_write w) {
  if (w.expected_version == 0) return w;
  auto loaded = target().load(w.intent.tenant, w.intent.id);
  if (!loaded || !loaded.value()) return w;
  const payment_intent& now = *loaded.value();
  w.expected_version = now.version;
  if (w.attempt && w.attempt->expected_fence) {
    const int number = w.attempt->value.number;
    if (number >= 1 && number <= static_cast<int>(now.attempts.size())) {
      w.attempt->expected_fence = now.attempts[static_cast<std::size_t>(number - 1)].fence;
      w.attempt->require_lease_expired = false;
    }
  }
  return w;
}

result<claim_result> unfenced_store::claim(const claim_request& r) {
  if (!r.write) return target().claim(r);
  claim_request unfenced = r;
  unfenced.write = current_holder(std::move(*unfenced.write));
  return target().claim(unfenced);
}

result<write_receipt> unfenced_store::commit(const intent_write& w) {
  return target().commit(current_holder(w));
}

void rule_breaking_network::async_authorize(const authorization_request& request,
                                            authorize_handler handler) {
  {
    std::lock_guard lock(mutex_);
    sent_.insert_or_assign(request.reference, request);
  }
  target_.async_authorize(request, std::move(handler));
}

void rule_breaking_network::async_lookup(const std::string& reference, lookup_handler handler) {
  if (rule_ != breaks::reauthorize) return target_.async_lookup(reference, std::move(handler));
  authorization_request again;
  {
    std::lock_guard lock(mutex_);
    auto it = sent_.find(reference);
    if (it == sent_.end()) return target_.async_lookup(reference, std::move(handler));
    again = it->second;
  }
  auto shared = std::make_shared<lookup_handler>(std::move(handler));
  target_.async_authorize(again, [shared](network_outcome outcome) {
    lookup_result found;
    found.found = true;
    found.outcome = std::move(outcome);
    std::move (*shared)(error_code{}, std::move(found));
  });
}

void rule_breaking_network::async_void(const std::string& reference, void_handler handler) {
  if (rule_ != breaks::no_void) return target_.async_void(reference, std::move(handler));
  std::move(handler)(error_code{});
}

}  // namespace payintent::sim
