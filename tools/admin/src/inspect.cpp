// The commands that only look: show, review list, unresolved, stats.
#include "render.hpp"
#include "session.hpp"

#include "payintent/validation.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace payintent::admin_detail {
namespace {

constexpr std::size_t max_listed = 100'000;

// The reason recovery (or a late outcome) gave for handing `intent` to review.
std::string review_reason(const std::vector<audit_entry>& trail) {
  for (auto it = trail.rbegin(); it != trail.rend(); ++it) {
    if (it->to == "requires_review") return it->detail;
  }
  return {};
}

std::string amount_text(const money& m) {
  return fmt::format("{} {}", m.minor_units, m.currency ? m.currency->code : "");
}

// The events after `consumer`'s acknowledged position, counted a page at a
// time (read_events). not_supported: the store keeps no events.
result<std::uint64_t> events_pending(idempotency_store& store, const std::string& consumer) {
  BOOST_OUTCOME_TRY(auto position, store.consumer_position(consumer));
  std::uint64_t pending = 0;
  event_query page{.after = position, .limit = 1000};
  for (;;) {
    BOOST_OUTCOME_TRY(auto events, store.read_events(page));
    pending += events.size();
    if (events.size() < page.limit) return pending;
    page.after = events.back().sequence;
  }
}

}  // namespace

std::variant<target, int> target_of(const session& s) {
  diagnostics diag;
  auto tenant = validate_tenant(*s.word(0), &diag);
  if (!tenant) return s.refuse(fmt::format("tenant: {}", diag.message));
  auto intent = validate_intent_id(*s.word(1), &diag);
  if (!intent) return s.refuse(fmt::format("no payment intent {} (not an intent id)", *s.word(1)));
  return target{std::move(tenant).value(), std::move(intent).value()};
}

int show(session& s) {
  auto t = target_of(s);
  if (auto* rc = std::get_if<int>(&t)) return *rc;
  const auto& [tenant, id] = std::get<target>(t);
  diagnostics none;
  auto loaded = s.store->load(tenant, id);
  if (!loaded) return s.failed("cannot load the intent", loaded.error(), none);
  if (!loaded.value()) {
    return s.refuse(fmt::format("no payment intent {} for tenant {}", id, tenant));
  }
  return print_intent(s, *loaded.value(), true);
}

int print_intent(session& s, const payment_intent& intent, bool with_trail) {
  diagnostics none;
  auto clock = s.store->now_ms();
  if (!clock) return s.failed("cannot read the store clock", clock.error(), none);
  const std::int64_t now = clock.value();
  std::vector<key_record> keys;
  std::vector<audit_entry> trail;
  if (with_trail) {
    auto k = s.store->keys_of_intent(intent.tenant, intent.id);
    if (!k) return s.failed("cannot list the intent's keys", k.error(), none);
    keys = std::move(k).value();
  }
  auto a = s.store->audit_trail(intent.tenant, intent.id);
  if (!a) return s.failed("cannot read the audit trail", a.error(), none);
  trail = std::move(a).value();
  const audit_verification verified = verify_audit(trail);

  if (s.cl.json) {
    boost::json::object o{{"intent", intent_json(intent, now)}, {"store_time_ms", now}};
    if (with_trail) {
      boost::json::array ks, es;
      for (const auto& k : keys) ks.push_back(key_json(k, now));
      for (const auto& e : trail) es.push_back(audit_json(e));
      o["keys"] = std::move(ks);
      o["audit"] = std::move(es);
    }
    o["audit_verification"] = verification_json(verified);
    print_json(o);
    return admin_ok;
  }
  fmt::print("intent   {} ({})\nstatus   {}\namount   {}\nversion  {}\ncreated  {}\nupdated  {}\n",
             intent.id, intent.tenant, intent.status, amount_text(intent.amount), intent.version,
             iso_time(intent.created_at_ms), iso_time(intent.updated_at_ms));
  if (intent.last_error) fmt::print("error    {}\n", *intent.last_error);
  fmt::print("\nattempts\n");
  table at({"#", "state", "reference", "network id", "fence", "node", "lease", "lease until"});
  for (const attempt& x : intent.attempts) {
    at.add({std::to_string(x.number), std::string(to_string(x.state)), x.reference,
            x.network_transaction_id.empty() ? "-" : x.network_transaction_id,
            std::to_string(x.fence), x.node_id, lease_state(x.lease_expires_at_ms, now),
            iso_time(x.lease_expires_at_ms)});
  }
  at.print("  ");
  if (with_trail) {
    fmt::print("\nidempotency keys\n");
    table kt({"key", "operation", "result", "attempt", "expires", ""});
    for (const key_record& k : keys) {
      kt.add({k.key.str(), std::string(to_string(k.op)),
              k.result.code == 0 ? "accepted" : fmt::format("{}", static_cast<errc>(k.result.code)),
              std::to_string(k.result.attempt_number), iso_time(k.expires_at_ms),
              k.expires_at_ms <= now ? "past retention" : ""});
    }
    if (kt.empty())
      fmt::print("  (none left: purged after their retention)\n");
    else
      kt.print("  ");
    fmt::print("\naudit trail ({})\n",
               verified.ok ? "verifies"
                           : fmt::format("BROKEN at #{}: {}", verified.first_broken_sequence,
                                         verified.reason));
    for (const audit_entry& e : trail) fmt::print("  {}\n", e);
  }
  return admin_ok;
}

int review_list(session& s) {
  auto limit = count_flag(s.cl, "--limit", 100, 1, max_listed);
  if (auto* why = std::get_if<std::string>(&limit)) return s.refuse(*why);
  tenant_id tenant;
  if (const auto t = s.cl.flag("--tenant")) {
    diagnostics diag;
    auto valid = validate_tenant(*t, &diag);
    if (!valid) return s.refuse(fmt::format("--tenant: {}", diag.message));
    tenant = std::move(valid).value();
  }
  diagnostics none;
  auto listed =
      s.store->list_by_status(intent_status::requires_review, tenant, std::get<std::size_t>(limit));
  if (!listed) return s.failed("cannot list the review queue", listed.error(), none);
  boost::json::array out;
  table t(
      {"tenant", "intent", "amount", "waiting since", "attempt", "reference", "state", "reason"});
  for (const payment_intent& row : listed.value()) {
    auto intent = s.store->load(row.tenant, row.id);
    auto trail = s.store->audit_trail(row.tenant, row.id);
    if (!intent) return s.failed("cannot load an intent", intent.error(), none);
    if (!trail) return s.failed("cannot read an audit trail", trail.error(), none);
    if (!intent.value()) continue;  // gone meanwhile
    const attempt* last = intent.value()->latest_attempt();
    const std::string reason = review_reason(trail.value());
    if (s.cl.json) {
      out.push_back({{"tenant", row.tenant.str()},
                     {"intent", row.id.str()},
                     {"amount", row.amount.minor_units},
                     {"currency", row.amount.currency ? row.amount.currency->code : ""},
                     {"updated_at_ms", row.updated_at_ms},
                     {"attempt", last ? last->number : 0},
                     {"reference", last ? last->reference : ""},
                     {"attempt_state", last ? to_string(last->state) : ""},
                     {"reason", reason}});
    } else {
      t.add({row.tenant.str(), row.id.str(), amount_text(row.amount), iso_time(row.updated_at_ms),
             last ? std::to_string(last->number) : "-", last ? last->reference : "-",
             last ? std::string(to_string(last->state)) : "-", reason});
    }
  }
  if (s.cl.json) {
    print_json(out);
  } else if (t.empty()) {
    fmt::print("no intent waits in requires_review\n");
  } else {
    t.print();
  }
  return admin_ok;
}

int unresolved(session& s) {
  auto limit = count_flag(s.cl, "--limit", 100, 1, max_listed);
  if (auto* why = std::get_if<std::string>(&limit)) return s.refuse(*why);
  diagnostics none;
  auto clock = s.store->now_ms();
  if (!clock) return s.failed("cannot read the store clock", clock.error(), none);
  const std::int64_t now = clock.value();
  auto listed = s.store->list_unresolved(std::get<std::size_t>(limit));
  if (!listed) return s.failed("cannot list unresolved attempts", listed.error(), none);
  boost::json::array out;
  table t({"tenant", "intent", "attempt", "state", "lease", "lease until"});
  for (const unresolved_attempt& u : listed.value()) {
    const std::string lease = lease_state(u.lease_expires_at_ms, now);
    if (s.cl.json) {
      out.push_back({{"tenant", u.tenant.str()},
                     {"intent", u.intent.str()},
                     {"attempt", u.attempt_number},
                     {"state", to_string(u.state)},
                     {"lease_expires_at_ms", u.lease_expires_at_ms},
                     {"lease_expired", u.lease_expired},
                     {"lease", lease}});
    } else {
      t.add({u.tenant.str(), u.intent.str(), std::to_string(u.attempt_number),
             std::string(to_string(u.state)), lease, iso_time(u.lease_expires_at_ms)});
    }
  }
  if (s.cl.json) {
    print_json(out);
  } else if (t.empty()) {
    fmt::print("no attempt is init, pending or unknown\n");
  } else {
    t.print();
  }
  return admin_ok;
}

int stats(session& s) {
  diagnostics none;
  auto counts = s.store->count_records();
  if (!counts) return s.failed("cannot count the store's records", counts.error(), none);
  auto oldest = s.store->list_unresolved(1);
  if (!oldest) return s.failed("cannot list unresolved attempts", oldest.error(), none);
  const store_counts& c = counts.value();
  const auto consumer = s.cl.flag("--consumer");
  std::optional<std::uint64_t> pending;
  if (consumer) {
    auto n = events_pending(*s.store, *consumer);
    if (!n) return s.failed("cannot count the consumer's pending events", n.error(), none);
    pending = n.value();
  }
  if (s.cl.json) {
    boost::json::value pending_json = nullptr;
    if (pending) pending_json = *pending;
    boost::json::object by_status;
    for (const auto& [status, n] : c.intents) by_status[to_string(status)] = n;
    boost::json::value first = nullptr;
    if (!oldest.value().empty()) {
      const auto& u = oldest.value().front();
      first = {{"tenant", u.tenant.str()},
               {"intent", u.intent.str()},
               {"attempt", u.attempt_number},
               {"state", to_string(u.state)},
               {"lease_expires_at_ms", u.lease_expires_at_ms},
               {"lease", lease_state(u.lease_expires_at_ms, c.now_ms)}};
    }
    print_json(boost::json::object{{"store_time_ms", c.now_ms},
                                   {"intents", std::move(by_status)},
                                   {"unresolved_attempts", c.unresolved_attempts},
                                   {"oldest_unresolved", std::move(first)},
                                   {"keys", c.keys},
                                   {"keys_past_retention", c.keys_expired},
                                   {"audit_entries", c.audit_entries},
                                   {"events_pending", std::move(pending_json)}});
    return admin_ok;
  }
  fmt::print("store time           {}\nintents by status\n", iso_time(c.now_ms));
  table t({"status", "count"});
  for (const auto& [status, n] : c.intents)
    t.add({std::string(to_string(status)), std::to_string(n)});
  t.print("  ");
  fmt::print("unresolved attempts  {}\n", c.unresolved_attempts);
  if (!oldest.value().empty()) {
    const auto& u = oldest.value().front();
    fmt::print("  oldest lease       {} ({}, {} {} attempt {}, {})\n",
               iso_time(u.lease_expires_at_ms), lease_state(u.lease_expires_at_ms, c.now_ms),
               u.tenant, u.intent, u.attempt_number, u.state);
  }
  fmt::print("idempotency keys     {} ({} past retention)\naudit entries        {}\n", c.keys,
             c.keys_expired, c.audit_entries);
  if (pending) {
    fmt::print("events pending       {} (consumer {})\n", *pending, *consumer);
  } else {
    fmt::print("events pending       (name a consumer: --consumer NAME)\n");
  }
  return admin_ok;
}

}  // namespace payintent::admin_detail
