// Records and requests built by hand, for the sim parts' tests.
#pragma once

#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/ids.hpp"

#include <string>

namespace payintent::sim::test {

// A write inserting intent `id` in `status`, with attempt 1 in `state`.
inline intent_write insert_intent(const std::string& tenant, const std::string& id,
                                  intent_status status, attempt_state state) {
  intent_write w;
  w.intent.id = intent_id(id);
  w.intent.tenant = tenant_id(tenant);
  w.intent.amount = money{1000, find_currency("EUR")};
  w.intent.status = status;
  w.intent.payment_method = "pm_sim";
  attempt a;
  a.number = 1;
  a.reference = attempt_reference(w.intent.id, 1);
  a.state = state;
  a.payment_method = "pm_sim";
  a.fence = 1;
  a.node_id = "node-1";
  w.attempt = attempt_write{a, std::nullopt, false, 0};
  w.audit = {{0, "intent.created", "", std::string(to_string(status)), ""},
             {1, "attempt.created", "", std::string(to_string(state)), ""}};
  w.node_id = "node-1";
  return w;
}

// Attempt `number` of intent `id` (tenant "t", 10.00 EUR), as the service sends it.
inline authorization_request request_for(const std::string& id, int number) {
  authorization_request r;
  r.intent = intent_id(id);
  r.tenant = tenant_id("t");
  r.attempt_number = number;
  r.reference = attempt_reference(r.intent, number);
  r.amount = money{1000, find_currency("EUR")};
  r.payment_method = "pm_sim";
  return r;
}

// A claim of `key` that inserts intent `id` (processing, attempt 1 init).
inline claim_request claim_of(const std::string& tenant, const std::string& key,
                              const std::string& id) {
  claim_request c;
  c.key.tenant = tenant_id(tenant);
  c.key.key = idempotency_key(key);
  c.key.op = operation::charge;
  c.key.fingerprint = std::string(64, 'a');
  c.key.fingerprint_version = 1;
  c.key.result.intent = intent_id(id);
  c.key.result.attempt_number = 1;
  c.retention_ms = 60'000;
  c.write = insert_intent(tenant, id, intent_status::processing, attempt_state::init);
  return c;
}

}  // namespace payintent::sim::test
