#include "http_card_network/ledger_check.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace payintent::gateway {

ledger_verdict check_ledger(const std::vector<payment_intent>& intents,
                            const std::vector<ledger_entry>& books) {
  ledger_verdict v;
  std::vector<std::string> problems;  // after the intents' lines
  auto problem = [&](std::string line) {
    v.ok = false;
    problems.push_back("PROBLEM: " + std::move(line));
  };
  std::map<std::string, const ledger_entry*> by_key;
  for (const ledger_entry& e : books) {
    by_key[e.key] = &e;
    if (e.charges > 1) problem(fmt::format("key {} charged {} times", e.key, e.charges));
  }
  std::set<std::string> claimed;  // keys some intent's attempt owns
  for (const payment_intent& intent : intents) {
    int live = 0;
    int requests = 0;
    for (const attempt& a : intent.attempts) {
      claimed.insert(a.reference);
      auto it = by_key.find(a.reference);
      if (it == by_key.end()) continue;
      requests += it->second->requests;
      if (it->second->charges > 0 && !it->second->voided) ++live;
    }
    v.lines.push_back(fmt::format("{} {:<9} gateway requests: {}, live charges: {}", intent.id,
                                  intent.status, requests, live));
    const bool settled_right =
        (intent.status == intent_status::succeeded && live == 1) ||
        ((intent.status == intent_status::failed || intent.status == intent_status::canceled) &&
         live == 0);
    if (!settled_right) {
      problem(fmt::format("{} is {} with {} live charges", intent.id, intent.status, live));
    }
  }
  for (const ledger_entry& e : books) {
    if (e.charges > 0 && !claimed.contains(e.key)) {
      problem(fmt::format("key {} was charged but belongs to no intent", e.key));
    }
  }
  v.lines.insert(v.lines.end(), problems.begin(), problems.end());
  return v;
}

}  // namespace payintent::gateway
