#include "engine/late_outcome.hpp"

#include "engine/attempt_runner.hpp"
#include "engine/network_calls.hpp"
#include "payintent/store_kit.hpp"
#include "payintent/testing/broken_rules.hpp"

#include <optional>

namespace payintent::detail {
namespace {

constexpr std::chrono::milliseconds late_backoff_cap{500};

// Voids `reference` and checks by lookup that no money stays live under it
// (a network that broke the void contract, or whose void did not take).
late_void void_and_check(const late_outcome_context& c, attempt_kind kind,
                         const std::string& reference) {
  late_void v;
  std::string why;
  if (!void_blocking(c.network, c.world, reference, c.network_timeout, &why)) {
    v.failure = why;
    return v;
  }
  auto found = lookup_blocking(c.network, c.world, kind, reference, c.network_timeout, &why);
  if (found && found.value().found && !found.value().voided &&
      money_may_have_moved(found.value().outcome.kind)) {
    v.failure = "lookup still finds it live after the void";
    return v;
  }
  v.done = true;  // voided; a lookup that fails or is unsupported cannot say otherwise
  return v;
}

// The rule before issue 19, kept only to be broken on purpose (the
// simulator's power test, testing/broken_rules.hpp): money is voided unless
// the first snapshot already showed the attempt authorized, whatever
// recovery does meanwhile.
late_judgement snapshot_judgement(const payment_intent& snapshot, int number,
                                  const network_outcome& outcome) {
  if (!money_may_have_moved(outcome.kind)) return late_judgement::no_money;
  const bool adopted =
      number >= 1 && number <= static_cast<int>(snapshot.attempts.size()) &&
      snapshot.attempts[static_cast<std::size_t>(number - 1)].state == attempt_state::authorized;
  return adopted ? late_judgement::adopted : late_judgement::unadopted;
}

}  // namespace

void record_late_outcome(const late_outcome_context& c, const payment_intent& current, int number,
                         std::uint64_t fence, const network_outcome& outcome) {
  const payment_intent* now = &current;
  std::optional<payment_intent> reloaded;
  std::optional<late_void> voided;  // once: an unadopted attempt stays unadopted
  for (int i = 0; i < c.tries; ++i) {
    if (i > 0) {
      c.world.sleep_for(backoff(i, late_backoff_cap));
      auto loaded =
          store_kit::guard([&] { return c.commits.store().load(current.tenant, current.id); });
      if (!loaded) continue;
      if (!loaded.value()) return;  // the intent vanished: nothing to record against
      reloaded = std::move(*loaded.value());
      now = &*reloaded;
    }
    const late_judgement j = testing::rule_broken(testing::broken_rule::late_void_from_snapshot)
                                 ? snapshot_judgement(current, number, outcome)
                                 : judge_late_outcome(*now, number, outcome);
    if (j == late_judgement::unadopted && !voided) {
      const attempt_kind kind = number >= 1 && number <= static_cast<int>(now->attempts.size())
                                    ? now->attempts[static_cast<std::size_t>(number - 1)].kind
                                    : attempt_kind::authorization;
      voided = void_and_check(c, kind, attempt_reference(current.id, number));
    }
    intent_write w =
        plan_late_outcome(*now, number, fence, outcome, j, voided ? &*voided : nullptr, c.ctx);
    // The judgement holds only on the version it was made on: a conflict
    // means the intent moved (recovery adopted, voided, reviewed), so judge again.
    if (c.commits.commit(*now, std::move(w))) return;
  }
}

}  // namespace payintent::detail
