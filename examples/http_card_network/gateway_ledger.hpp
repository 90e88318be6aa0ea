// SIMULATOR — not part of what an integrator copies. The simulated gateway's
// books: its idempotency-key table and its ledger of money moved, with no
// I/O (gateway_simulator.hpp puts HTTP in front of it).
//
// Decisions come from the payment method token, like a sandbox's test cards:
// "tok_insufficient_funds" is declined "insufficient_funds", "tok_declined"
// declined "generic_decline", any other token approved. Each key holds the
// first request's parameters and answer: a retry with the same parameters
// gets that answer again and charges nothing; other parameters are a 409.
// A void marks the key voided (creating it if unseen, so a request arriving
// later is refused). Thread-safe.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace payintent::gateway {

struct charge_request {
  std::int64_t amount = 0;
  std::string currency;
  std::string payment_method;
  friend bool operator==(const charge_request&, const charge_request&) = default;
};

// What the gateway answers: an HTTP status and a JSON body.
struct gateway_answer {
  unsigned http_status = 200;
  boost::json::object body;
};

// One key's line in the books.
struct ledger_entry {
  std::string key;
  charge_request request;        // the first request's parameters
  int requests = 0;              // authorize requests that arrived under the key
  int charges = 0;               // times money moved under it: more than 1 is the bug to catch
  bool approved = false;         // the first request's decision
  bool voided = false;           // reversed (or refused before it arrived)
  std::string authorization_id;  // when approved: "auth_<n>"
};

class gateway_ledger {
 public:
  gateway_answer authorize(const std::string& key, const charge_request& request);
  gateway_answer lookup(const std::string& key) const;
  gateway_answer void_key(const std::string& key);

  // Every key, in key order.
  std::vector<ledger_entry> entries() const;

 private:
  static gateway_answer answer_for(const ledger_entry& e);

  mutable std::mutex mutex_;
  std::map<std::string, ledger_entry> by_key_;
  int next_authorization_ = 1;
};

}  // namespace payintent::gateway
