#include "invariants.hpp"

#include "status_rules.hpp"

#include "payintent/audit.hpp"
#include "payintent/ids.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <optional>
#include <set>
#include <utility>

namespace payintent::sim {
namespace {

// The intent, or nullopt with a violation saying why it could not be read.
std::optional<payment_intent> load_or_report(idempotency_store& store, const tenant_id& tenant,
                                             const intent_id& id, violations& out) {
  auto loaded = store.load(tenant, id);
  if (!loaded) {
    out.push_back(fmt::format("{}/{}: load failed: {}", tenant, id, loaded.error().message()));
    return std::nullopt;
  }
  if (!loaded.value()) {
    out.push_back(fmt::format("{}/{}: no such intent in the store", tenant, id));
    return std::nullopt;
  }
  return std::move(*loaded.value());
}

void check_intent_money(const payment_intent& intent, const sim_network& network, violations& out) {
  std::size_t live = 0;
  std::string live_reference;
  for (const attempt& a : intent.attempts) {
    const std::string reference = attempt_reference(intent.id, a.number);
    const std::size_t held = network.live_authorizations(reference);
    live += held;
    if (held > 0) live_reference = reference;
  }
  const std::size_t peak = network.peak_live_authorizations(intent.id);
  if (peak > 1) {
    out.push_back(fmt::format("{}: held {} live authorizations at once", intent.id, peak));
  }
  switch (money_rule_of(intent.status)) {
    case money_rule::exactly_one: {
      const attempt* last = intent.latest_attempt();
      if (live != 1) {
        out.push_back(
            fmt::format("{}: {} with {} live authorizations", intent.id, intent.status, live));
      } else if (last == nullptr || last->state != attempt_state::authorized ||
                 attempt_reference(intent.id, last->number) != live_reference) {
        out.push_back(
            fmt::format("{}: {}, but the live authorization {} is not its latest, "
                        "authorized attempt",
                        intent.id, intent.status, live_reference));
      }
      break;
    }
    case money_rule::none:
      if (live != 0) {
        out.push_back(fmt::format("{}: {} with {} live authorizations (under {})", intent.id,
                                  intent.status, live, live_reference));
      }
      break;
    case money_rule::at_most_one:
      if (live > 1) {
        out.push_back(
            fmt::format("{}: {} with {} live authorizations", intent.id, intent.status, live));
      }
      break;
  }
}

}  // namespace

violations check_money(idempotency_store& store, const sim_network& network,
                       const std::vector<intent_ref>& intents) {
  violations out;
  std::set<std::string> attempt_references;
  for (const intent_ref& ref : intents) {
    const auto intent = load_or_report(store, ref.tenant, ref.intent, out);
    if (!intent) continue;
    for (const attempt& a : intent->attempts) {
      attempt_references.insert(attempt_reference(intent->id, a.number));
    }
    check_intent_money(*intent, network, out);
  }
  for (const std::string& reference : network.references()) {
    if (const std::size_t calls = network.authorize_calls(reference); calls > 1) {
      out.push_back(fmt::format("{}: authorized {} times under one reference", reference, calls));
    }
    if (!attempt_references.contains(reference) && network.live_authorizations(reference) > 0) {
      out.push_back(fmt::format("{}: live money under a reference no listed intent's attempt names",
                                reference));
    }
  }
  return out;
}

violations check_keys(idempotency_store& store, const std::vector<key_ref>& keys,
                      const std::vector<client_answer>& answers) {
  violations out;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> answered;
  for (const client_answer& a : answers) {
    if (a.ok && !a.key.empty() && !a.intent_id.empty()) {
      answered[{a.tenant, a.key}].insert(a.intent_id);
    }
  }
  for (const auto& [key, ids] : answered) {
    if (ids.size() > 1) {
      out.push_back(fmt::format("key {}/{} answered {} intents: {}", key.first, key.second,
                                ids.size(), fmt::join(ids, ", ")));
    }
  }
  for (const key_ref& k : keys) {
    auto loaded = store.load_key(k.tenant, k.key);
    if (!loaded) {
      out.push_back(
          fmt::format("key {}/{}: load_key failed: {}", k.tenant, k.key, loaded.error().message()));
      continue;
    }
    if (!loaded.value()) continue;  // never claimed, or purged
    const stored_result& stored = loaded.value()->result;
    if (stored.intent.empty()) continue;  // a rejection naming no intent
    auto it = answered.find({k.tenant.str(), k.key.str()});
    if (it != answered.end() && !it->second.contains(stored.intent.str())) {
      out.push_back(fmt::format("key {}/{} stores intent {}, but answered {}", k.tenant, k.key,
                                stored.intent, fmt::join(it->second, ", ")));
    }
    auto intent = store.load(k.tenant, stored.intent);
    if (intent && !intent.value()) {
      out.push_back(fmt::format("key {}/{} stores intent {}, which does not exist", k.tenant, k.key,
                                stored.intent));
    }
  }
  return out;
}

violations check_answers(idempotency_store& store, const std::vector<client_answer>& answers) {
  violations out;
  std::map<std::pair<std::string, std::string>, std::optional<payment_intent>> finals;
  for (const client_answer& a : answers) {
    if (!a.ok || a.intent_id.empty() || !answer_binds(a.status)) continue;
    auto [it, fresh] = finals.try_emplace({a.tenant, a.intent_id});
    if (fresh) it->second = load_or_report(store, tenant_id(a.tenant), intent_id(a.intent_id), out);
    if (it->second && it->second->status != a.status) {
      out.push_back(fmt::format("{}: answered {} ({} {} at {} ms), but ends {}", a.intent_id,
                                a.status, a.op, a.key, a.at_ms, it->second->status));
    }
  }
  return out;
}

violations check_audit(idempotency_store& store, const std::vector<intent_ref>& intents) {
  violations out;
  for (const intent_ref& ref : intents) {
    auto trail = store.audit_trail(ref.tenant, ref.intent);
    if (!trail) {
      out.push_back(fmt::format("{}: audit_trail failed: {}", ref.intent, trail.error().message()));
    } else if (trail.value().empty()) {
      out.push_back(fmt::format("{}: no audit entries", ref.intent));
    } else if (const audit_verification v = verify_audit(trail.value()); !v.ok) {
      out.push_back(fmt::format("{}: audit entry {} does not verify: {}", ref.intent,
                                v.first_broken_sequence, v.reason));
    }
  }
  return out;
}

violations check_settled(idempotency_store& store, const std::vector<intent_ref>& intents) {
  violations out;
  for (const intent_ref& ref : intents) {
    const auto intent = load_or_report(store, ref.tenant, ref.intent, out);
    if (!intent) continue;
    if (in_flight(intent->status)) {
      out.push_back(fmt::format("{}: left {}", intent->id, intent->status));
    }
    // In requires_review a person decides: its attempt waits for them.
    if (intent->status == intent_status::requires_review) continue;
    for (const attempt& a : intent->attempts) {
      if (in_flight(a.state)) {
        out.push_back(fmt::format("{}: attempt {} left {}", intent->id, a.number, a.state));
      }
    }
  }
  return out;
}

violations check_all(idempotency_store& store, const sim_network& network,
                     const std::vector<intent_ref>& intents, const std::vector<key_ref>& keys,
                     const std::vector<client_answer>& answers) {
  violations out;
  for (violations part : {check_money(store, network, intents), check_keys(store, keys, answers),
                          check_answers(store, answers), check_audit(store, intents),
                          check_settled(store, intents)}) {
    out.insert(out.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  return out;
}

}  // namespace payintent::sim
