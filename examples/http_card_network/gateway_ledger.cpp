#include "http_card_network/gateway_ledger.hpp"

#include <fmt/format.h>

namespace payintent::gateway {

gateway_answer gateway_ledger::answer_for(const ledger_entry& e) {
  if (e.voided) return {200, {{"status", "voided"}}};
  if (e.approved) return {200, {{"status", "approved"}, {"authorization_id", e.authorization_id}}};
  const char* code = e.request.payment_method == "tok_insufficient_funds" ? "insufficient_funds"
                                                                          : "generic_decline";
  return {200, {{"status", "declined"}, {"decline_code", code}}};
}

gateway_answer gateway_ledger::authorize(const std::string& key, const charge_request& request) {
  std::lock_guard lock(mutex_);
  ledger_entry& e = by_key_[key];
  if (e.requests == 0) {  // new, or voided before it arrived
    e.key = key;
    e.request = request;
  } else if (!(e.request == request)) {
    return {409, {{"error", "idempotency key reused with other parameters"}}};
  }
  ++e.requests;
  if (e.requests == 1 && !e.voided) {  // the first arrival decides, unless voided before it
    e.approved = request.payment_method != "tok_insufficient_funds" &&
                 request.payment_method != "tok_declined";
    if (e.approved) {
      ++e.charges;
      e.authorization_id = fmt::format("auth_{}", next_authorization_++);
    }
  }
  return answer_for(e);
}

gateway_answer gateway_ledger::lookup(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = by_key_.find(key);
  if (it == by_key_.end() || (it->second.requests == 0 && !it->second.voided)) {
    return {404, {{"error", "no authorization under this key"}}};
  }
  return answer_for(it->second);
}

gateway_answer gateway_ledger::void_key(const std::string& key) {
  std::lock_guard lock(mutex_);
  ledger_entry& e = by_key_[key];
  e.key = key;
  e.voided = true;
  return {200, {{"status", "voided"}}};
}

std::vector<ledger_entry> gateway_ledger::entries() const {
  std::lock_guard lock(mutex_);
  std::vector<ledger_entry> out;
  out.reserve(by_key_.size());
  for (const auto& [key, e] : by_key_) out.push_back(e);
  return out;
}

}  // namespace payintent::gateway
