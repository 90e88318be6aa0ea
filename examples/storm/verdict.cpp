#include "storm/verdict.hpp"

#include <payintent/testing/fake_card_network.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include <algorithm>
#include <iterator>
#include <set>
#include <vector>

namespace payintent::storm {

namespace {

// A few of `ids`, for a message that stays one line.
std::string first_few(const std::set<std::string>& ids) {
  constexpr std::size_t shown = 3;
  std::vector<std::string> few(ids.begin(), std::next(ids.begin(), std::min(ids.size(), shown)));
  return fmt::format("[{}{}]", fmt::join(few, ", "), ids.size() > shown ? ", ..." : "");
}

}  // namespace

verdict judge(const storm_args& args, const worker_report& merged, idempotency_store& store) {
  verdict v;
  if (!merged.fatal.empty()) v.problems.push_back(merged.fatal);
  const tenant_id tenant(args.tenant);

  std::set<std::string> intents;
  for (int k = 0; k < args.keys; ++k) {
    const auto index = static_cast<std::size_t>(k);
    const auto& ids = index < merged.intents_by_key.size() ? merged.intents_by_key[index]
                                                           : std::set<std::string>{};
    if (ids.size() != 1) {
      v.problems.push_back(fmt::format("{} was answered with {} intents {}", storm_key(k),
                                       ids.size(), first_few(ids)));
    }
    intents.insert(ids.begin(), ids.end());
    // The durable truth must agree with what the callers were told.
    auto record = store.load_key(tenant, idempotency_key(storm_key(k)));
    if (!record || !record.value()) {
      v.problems.push_back(fmt::format("{}: no key record in the store", storm_key(k)));
    } else if (ids.size() == 1 && record.value()->result.intent.str() != *ids.begin()) {
      v.problems.push_back(fmt::format("{}: the store says {}, callers were told {}", storm_key(k),
                                       record.value()->result.intent, *ids.begin()));
    }
  }
  v.intents = intents.size();

  std::set<std::string> authorized_references;
  for (const auto& id : intents) {
    auto loaded = store.load(tenant, intent_id(id));
    if (!loaded || !loaded.value()) {
      v.problems.push_back(fmt::format("intent {} cannot be loaded", id));
      continue;
    }
    const auto& intent = *loaded.value();
    if (intent.status == intent_status::succeeded) ++v.succeeded;
    if (intent.status == intent_status::failed) ++v.failed;
    for (const auto& a : intent.attempts) {
      if (a.state == attempt_state::authorized) authorized_references.insert(a.reference);
    }
  }

  for (const auto& [reference, count] : testing::read_journal_authorizations(args.journal)) {
    v.authorizations += count;
    if (count != 1) {
      v.problems.push_back(fmt::format("reference {} was authorized {} times", reference, count));
    }
    if (!authorized_references.contains(reference)) {
      v.problems.push_back(fmt::format(
          "reference {} moved money but no storm intent holds it authorized", reference));
    }
  }
  if (v.authorizations != v.succeeded) {
    v.problems.push_back(fmt::format("the journal holds {} authorizations but {} intents succeeded",
                                     v.authorizations, v.succeeded));
  }
  return v;
}

std::string summary_json(const storm_args& args, const worker_report& merged, const verdict& v,
                         double seconds) {
  auto line = boost::json::serialize(boost::json::object{
      {"requests", merged.requests},
      {"distinct_keys", args.keys},
      {"intents", v.intents},
      {"authorizations", v.authorizations},
      {"succeeded", v.succeeded},
      {"failed", v.failed},
      {"replayed", merged.replayed},
      {"in_use", merged.in_use},
      {"errors", merged.errors},
  });
  // Boost.JSON writes doubles as "2.69E-1"; people read "0.269" better.
  line.pop_back();
  return line + fmt::format(",\"seconds\":{:.3f}}}", seconds);
}

}  // namespace payintent::storm
