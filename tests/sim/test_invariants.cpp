// The invariants hold on honest states and name the doctored ones.
#include "invariants.hpp"
#include "test_doubles.hpp"
#include "test_world.hpp"

#include "payintent/memory_store.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace payintent;
using namespace payintent::sim;
using payintent::sim::test::claim_of;
using payintent::sim::test::insert_intent;
using payintent::sim::test::request_for;
using payintent::sim::test::test_world;

namespace {

struct invariants_fixture {
  test_world world{21};
  memory_store store{memory_store_options{[this] { return world.now(); }}};
  sim_network network{world.hooks(), approving()};

  static sim_network_options approving() {
    sim_network_options o;
    o.faults = false;
    o.decline = o.challenge = o.pending = 0;
    return o;
  }

  // Inserts intent `id` (tenant "t") with attempt 1 in `state`.
  intent_ref add(const std::string& id, intent_status status, attempt_state state) {
    auto written = store.commit(insert_intent("t", id, status, state));
    REQUIRE(written.has_value());
    return {tenant_id("t"), intent_id(id)};
  }

  // The network approves attempt `number` of `id`.
  void authorize(const std::string& id, int number) {
    network.async_authorize(request_for(id, number),
                            [](network_outcome o) { CHECK(o.kind == outcome_kind::approved); });
    world.run();
  }
};

bool names(const violations& v, const std::string& text) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(text) != std::string::npos; });
}

client_answer told(const std::string& key, const std::string& intent, intent_status status) {
  return {"t", key, "confirm", true, intent, status, 0};
}

}  // namespace

TEST_CASE("invariants: an honest final state passes every check") {
  invariants_fixture f;
  std::vector<intent_ref> intents{
      f.add("pi_ok", intent_status::succeeded, attempt_state::authorized),
      f.add("pi_no", intent_status::failed, attempt_state::declined)};
  f.authorize("pi_ok", 1);
  const std::vector<client_answer> answers{told("k1", "pi_ok", intent_status::succeeded),
                                           told("k1", "pi_ok", intent_status::succeeded),
                                           told("k2", "pi_no", intent_status::failed)};
  const violations v = check_all(f.store, f.network, intents, {}, answers);
  CHECK_MESSAGE(v.empty(), (v.empty() ? std::string() : v.front()));
}

TEST_CASE("invariants: two live authorizations for one intent") {
  invariants_fixture f;
  std::vector<intent_ref> intents{
      f.add("pi_twice", intent_status::succeeded, attempt_state::authorized)};
  f.authorize("pi_twice", 1);
  f.authorize("pi_twice", 2);  // no attempt 2 in the store
  const violations v = check_money(f.store, f.network, intents);
  CHECK(names(v, "pi_twice: held 2 live authorizations at once"));
  CHECK(names(v, "no listed intent's attempt names"));
}

TEST_CASE("invariants: succeeded without money, failed with money, one reference twice") {
  invariants_fixture f;
  std::vector<intent_ref> intents{
      f.add("pi_empty", intent_status::succeeded, attempt_state::authorized),
      f.add("pi_kept", intent_status::failed, attempt_state::declined)};
  f.authorize("pi_kept", 1);
  f.authorize("pi_kept", 1);
  const violations v = check_money(f.store, f.network, intents);
  CHECK(names(v, "pi_empty: succeeded with 0 live authorizations"));
  CHECK(names(v, "pi_kept: failed with 2 live authorizations"));
  CHECK(names(v, "authorized 2 times under one reference"));
}

TEST_CASE("invariants: a key answering two intents") {
  invariants_fixture f;
  REQUIRE(f.store.claim(claim_of("t", "k", "pi_one")).has_value());
  const std::vector<client_answer> answers{told("k", "pi_one", intent_status::processing),
                                           told("k", "pi_two", intent_status::processing)};
  const violations v = check_keys(f.store, {{tenant_id("t"), idempotency_key("k")}}, answers);
  CHECK(names(v, "key t/k answered 2 intents"));

  const std::vector<client_answer> other{told("k", "pi_two", intent_status::processing)};
  CHECK(names(check_keys(f.store, {{tenant_id("t"), idempotency_key("k")}}, other),
              "key t/k stores intent pi_one, but answered pi_two"));
  const std::vector<client_answer> same{told("k", "pi_one", intent_status::processing),
                                        told("", "pi_one", intent_status::processing),
                                        told("", "pi_other", intent_status::succeeded)};
  CHECK(check_keys(f.store, {{tenant_id("t"), idempotency_key("k")}}, same).empty());
}

TEST_CASE("invariants: an answer of a terminal status contradicted at the end") {
  invariants_fixture f;
  f.add("pi_x", intent_status::failed, attempt_state::declined);
  const std::vector<client_answer> told_succeeded{told("k", "pi_x", intent_status::succeeded)};
  CHECK(names(check_answers(f.store, told_succeeded), "answered succeeded"));
  // failed is not terminal here: a later confirm may charge.
  f.add("pi_y", intent_status::succeeded, attempt_state::authorized);
  const std::vector<client_answer> told_failed{told("k2", "pi_y", intent_status::failed)};
  CHECK(check_answers(f.store, told_failed).empty());
}

TEST_CASE("invariants: a tampered audit chain and an attempt left in flight") {
  invariants_fixture f;
  const intent_ref ref = f.add("pi_t", intent_status::processing, attempt_state::unknown);
  auto trail = f.store.audit_trail(ref.tenant, ref.intent);
  REQUIRE(trail.has_value());
  REQUIRE(trail.value().size() == 2);
  audit_entry forged = trail.value()[1];
  forged.detail = "rewritten";
  REQUIRE(f.store.tamper_audit_entry_for_testing(ref.tenant, ref.intent, forged));
  CHECK(names(check_audit(f.store, {ref}), "audit entry 2 does not verify"));
  const violations settled = check_settled(f.store, {ref});
  CHECK(names(settled, "pi_t: left processing"));
  CHECK(names(settled, "pi_t: attempt 1 left unknown"));
}
