// A holder whose network call answers after recovery took its attempt over
// (docs/recovery.md, issue 19): whatever it heard, it judges the intent its
// own late write commits on, voids only money nobody adopted, and says in
// its late_outcome entry, under its own fence, what it did. Each case runs
// on every store this executable is built for.
#include "late_nodes.hpp"

#include "payintent/audit.hpp"

#ifdef PAYINTENT_LATE_ON_POSTGRES
#include "support/postgres_fixture.hpp"
#else
#include "payintent/memory_store.hpp"
#include "sqlite/sqlite_fixture.hpp"
#endif

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

using namespace payintent;
using payintent::test::held_network;
using payintent::test::late_nodes;

namespace {

std::vector<std::pair<std::string, testing::store_factory>> stores() {
#ifdef PAYINTENT_LATE_ON_POSTGRES
  return {{"postgres", [] { return postgres_test::postgres_under_test(); }}};
#else
  return {{"memory",
           [] {
             testing::manual_clock clock;
             testing::store_under_test s;
             s.store = std::make_unique<memory_store>(memory_store_options{clock.as_function()});
             s.advance_clock_ms = [clock](std::int64_t ms) { clock.advance(ms); };
             return s;
           }},
          {"sqlite", [] { return sqlite_test::sqlite_under_test(); }}};
#endif
}

// Runs `body` on a fresh pair of nodes per store.
void on_every_store(const std::function<void(late_nodes&)>& body) {
  for (const auto& [store_name, make] : stores()) {
    const std::string name = store_name;  // INFO captures it; clang 14 cannot capture a binding
    INFO("store " << name);
    late_nodes n(make);
    body(n);
  }
}

bool says(const audit_entry& e, const std::string& words) {
  return e.detail.find(words) != std::string::npos;
}

}  // namespace

TEST_CASE("recovery adopts between the late holder's read and its write: nothing is voided") {
  on_every_store([](late_nodes& n) {
    const auto stuck = n.taken_over_unsettled();
    const std::string reference = stuck.attempts[0].reference;

    // The holder wakes, is fenced out, and reads the attempt still in init;
    // right after that read, recovery finds the authorization and adopts it.
    std::size_t adopted = 0;
    n.hooked.after_next_load([&] {
      n.expire();
      if (auto r = n.recoverer->recover()) adopted = r.value().adopted;
    });
    n.wake_holder(network_outcome::approved("ntx-late"));
    CHECK(adopted == 1);

    const auto after = n.now(stuck);
    CHECK(after.status == intent_status::succeeded);
    CHECK(after.attempts[0].state == attempt_state::authorized);
    CHECK_MESSAGE(n.network.live(reference), "the adopted authorization was voided");
    CHECK(n.network.voids() == 0);
    const auto late = n.late_entry(stuck);
    CHECK(late.node_id == "holder");
    CHECK(late.fence == 1);
    CHECK(late.from == "authorized");
    CHECK(late.to == "approved");
    CHECK(says(late, "duplicate report of adopted money; nothing voided"));
    CHECK(verify_audit(n.trail(stuck)).ok);
  });
}

TEST_CASE("the late holder meets the attempt still held by recovery: it leaves it to the lookup") {
  on_every_store([](late_nodes& n) {
    const auto stuck = n.taken_over_unsettled();
    const std::string reference = stuck.attempts[0].reference;

    n.wake_holder(network_outcome::approved("ntx-late"));
    CHECK(n.network.voids() == 0);
    const auto late = n.late_entry(stuck);
    CHECK(late.fence == 1);
    CHECK(says(late, "attempt init under fence 2, whose lookup decides; nothing voided"));

    n.expire();
    CHECK(n.recoverer->recover().value().adopted == 1);
    CHECK(n.now(stuck).status == intent_status::succeeded);
    CHECK(n.network.live(reference));
  });
}

TEST_CASE("recovery voided the attempt: the late approval is voided again, and says so") {
  on_every_store([](late_nodes& n) {
    const auto stuck = n.voided_by_recovery();
    const std::string reference = stuck.attempts[0].reference;
    n.network.arrive(reference);  // after the void: reversed, as the contract says

    n.wake_holder(network_outcome::approved("ntx-late"));
    CHECK(n.now(stuck).status == intent_status::failed);
    CHECK(n.network.voids() == 2);
    CHECK_FALSE(n.network.live(reference));
    const auto late = n.late_entry(stuck);
    CHECK(late.fence == 1);
    CHECK(late.from == "voided");
    CHECK(says(late, "the late authorization was voided"));
  });
}

TEST_CASE("a late decline after adoption, a late challenge after a void: nothing to void") {
  on_every_store([](late_nodes& n) {
    const auto stuck = n.stuck_charge();
    n.expire();
    REQUIRE(n.recoverer->recover().value().adopted == 1);
    n.wake_holder(network_outcome::declined("do_not_honor"));
    CHECK(n.now(stuck).status == intent_status::succeeded);
    CHECK(n.network.voids() == 0);
    const auto late = n.late_entry(stuck);
    CHECK(late.fence == 1);
    CHECK(late.to == "declined");
    CHECK(says(late, "no money moved; nothing voided"));
  });
  on_every_store([](late_nodes& n) {
    const auto stuck = n.voided_by_recovery();
    next_action challenge;
    challenge.type = "redirect_to_url";
    challenge.redirect_url = "https://acs.example/late";
    n.wake_holder(network_outcome::challenge(challenge));
    CHECK(n.now(stuck).status == intent_status::failed);
    CHECK(n.now(stuck).next_action == std::nullopt);
    CHECK(n.network.voids() == 1);  // recovery's only
    CHECK(says(n.late_entry(stuck), "no money moved; nothing voided"));
  });
}

TEST_CASE("a late approval of an attempt in review is left to the person, unvoided") {
  on_every_store([](late_nodes& n) {
    n.network.lookup_mode = held_network::mode::unsupported;
    const auto stuck = n.stuck_charge();
    n.expire();
    REQUIRE(n.recoverer->recover().value().reviewed == 1);
    n.wake_holder(network_outcome::approved("ntx-late"));
    CHECK(n.now(stuck).status == intent_status::requires_review);
    CHECK(n.network.voids() == 0);
    CHECK(n.network.live(stuck.attempts[0].reference));
    CHECK(says(n.late_entry(stuck), "in review, a person decides; nothing voided"));
  });
}

TEST_CASE("a network that breaks the void contract: live money never stays behind `failed`") {
  SUBCASE("the holder's void takes: money reversed, the intent stays failed") {
    on_every_store([](late_nodes& n) {
      const auto stuck = n.voided_by_recovery();
      const std::string reference = stuck.attempts[0].reference;
      n.network.arrive(reference, false);  // the late arrival lives on
      REQUIRE(n.network.live(reference));
      n.wake_holder(network_outcome::approved("ntx-late"));
      CHECK_FALSE(n.network.live(reference));
      CHECK(n.now(stuck).status == intent_status::failed);
      CHECK(says(n.late_entry(stuck), "the late authorization was voided"));
    });
  }
  SUBCASE("the holder's void fails: requires_review, not failed") {
    on_every_store([](late_nodes& n) {
      const auto stuck = n.voided_by_recovery();
      const std::string reference = stuck.attempts[0].reference;
      n.network.arrive(reference, false);
      n.network.void_mode = held_network::mode::fail;
      n.wake_holder(network_outcome::approved("ntx-late"));
      CHECK(n.network.live(reference));
      const auto after = n.now(stuck);
      CHECK(after.status == intent_status::requires_review);
      const auto late = n.late_entry(stuck);
      CHECK(late.fence == 1);
      CHECK(says(late, "NOT voided"));
      CHECK(says(late, "requires_review"));
      CHECK(verify_audit(n.trail(stuck)).ok);
      // Parked for the person: recovery passes leave it alone.
      n.expire();
      CHECK(n.recoverer->recover().value().examined == 0);
    });
  }
}

// The same race one step later, between two recoverers: the first looks up
// while the authorization is still in transit (not found) and pauses before
// acting on that answer, past its lease; the authorization arrives, a second
// recoverer takes over and adopts it. The first must then void nothing: its
// decision to void is recorded under its fence before any void leaves, and
// that write is fenced out (the simulator found this: docs/simulation.md).
TEST_CASE(
    "a recoverer paused between its lookup and its void: the next one adopts, nothing is voided") {
  on_every_store([](late_nodes& n) {
    n.network.reaches_network = false;  // the authorization is in transit
    const auto stuck = n.stuck_charge();
    const std::string reference = stuck.attempts[0].reference;
    n.expire();

    std::size_t adopted = 0;
    n.network.before_next_lookup_answer = [&] {
      n.network.arrive(reference);
      n.expire();  // the first recoverer's lease
      if (auto r = n.holder->recover()) adopted = r.value().adopted;
    };
    auto first = n.recoverer->recover();
    REQUIRE(first.has_value());
    CHECK(first.value().voided == 0);
    CHECK(adopted == 1);

    CHECK(n.now(stuck).status == intent_status::succeeded);
    CHECK_MESSAGE(n.network.live(reference), "the adopted authorization was voided");
    CHECK(n.network.voids() == 0);
    CHECK(verify_audit(n.trail(stuck)).ok);
  });
}
