// Several processes share one SQLite file: racing claims of the same keys
// and fenced commits on the same attempts still have exactly one winner each.
// (Racing refunds: tests/multiprocess/test_refund_race.cpp, built in here.)
#include "multiprocess/run_children.hpp"
#include "sqlite_fixture.hpp"

#include <fstream>
#include <string>

using namespace payintent;
using namespace payintent::testing::conformance;
using payintent::multiprocess_test::run_children;
using payintent::sqlite_test::must_open;
using payintent::sqlite_test::options_for;
using payintent::sqlite_test::temp_dir;

namespace {

constexpr int processes = 4;
constexpr int keys = 100;
constexpr int attempts = 50;

struct tally {
  int claimed = 0;
  int wins = 0;
  int unexpected = 0;
};

// Runs in a child: no doctest here, only counting, then _exit.
tally race(const std::string& path, int child) {
  tally t;
  auto options = options_for(path, testing::manual_clock{});
  auto opened = sqlite_store::open(options);
  if (!opened) {
    t.unexpected = keys + attempts;
    return t;
  }
  auto& store = *opened.value();
  for (int i = 0; i < keys; ++i) {
    const auto pi = new_intent(tenant_a, "pi_mp_" + std::to_string(i));
    const auto r = store.claim(claim_create("mp-" + std::to_string(i), pi));
    if (r && r.value().status == claim_status::claimed) {
      ++t.claimed;
    } else if (!r || r.value().status != claim_status::replay) {
      ++t.unexpected;
    }
  }
  for (int i = 0; i < attempts; ++i) {
    const auto loaded = store.load(tenant_a, intent_id{"pi_held_" + std::to_string(i)});
    if (!loaded || !loaded.value()) {
      ++t.unexpected;
      continue;
    }
    const auto& held = *loaded.value();
    if (held.attempts.at(0).fence != 1) continue;  // someone already won: nothing to race
    auto w = outcome_write(held, 1, 1, attempt_state::authorized, held.version);
    w.attempt->value.fence = 2;
    w.node_id = "process-" + std::to_string(child);
    const auto r = store.commit(w);
    if (r) {
      ++t.wins;
    } else if (r.error() != errc::fenced_out) {
      ++t.unexpected;
    }
  }
  return t;
}

}  // namespace

TEST_CASE("sqlite: processes sharing one file each win a key or an attempt at most once") {
  temp_dir dir;
  const auto path = dir.file("shared.db");
  {
    auto store = must_open(options_for(path, testing::manual_clock{}));
    for (int i = 0; i < attempts; ++i) {
      create_with_attempt(*store, new_intent(tenant_a, "pi_held_" + std::to_string(i)), 1);
    }
  }  // closed before forking: children open their own connections

  run_children(processes, [&](int c) {
    const tally t = race(path, c);
    std::ofstream(dir.file("tally-" + std::to_string(c)))
        << t.claimed << ' ' << t.wins << ' ' << t.unexpected << '\n';
  });

  tally total;
  for (int c = 0; c < processes; ++c) {
    std::ifstream in(dir.file("tally-" + std::to_string(c)));
    tally t;
    REQUIRE(static_cast<bool>(in >> t.claimed >> t.wins >> t.unexpected));
    total.claimed += t.claimed;
    total.wins += t.wins;
    total.unexpected += t.unexpected;
  }
  CHECK(total.unexpected == 0);
  CHECK(total.claimed == keys);
  CHECK(total.wins == attempts);

  auto store = must_open(options_for(path, testing::manual_clock{}));
  for (int i = 0; i < keys; ++i) {
    CHECK(audit_count(*store, tenant_a, intent_id{"pi_mp_" + std::to_string(i)}) == 1);
  }
  for (int i = 0; i < attempts; ++i) {
    const auto held = must_load(*store, tenant_a, intent_id{"pi_held_" + std::to_string(i)});
    CHECK(held.attempts.at(0).fence == 2);
    CHECK(audit_count(*store, tenant_a, held.id) == 3);  // created, attempt, one outcome
  }
}
