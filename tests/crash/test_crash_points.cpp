// Every named crash point (payintent/testing/crash_points.hpp): a child
// process dies there by SIGKILL, then this process opens the same SQLite file
// with a fresh fake network on the same journal, recovers, and checks that
// nothing acknowledged was lost and no money moved twice. See docs/recovery.md.
//
// The points are taken from testing::all_crash_points, so a new point fails
// here until crash_child knows how to reach it.
//
// "outcome.committed" is the point after the outcome is durable. There is no
// separate point "after the key is finalized": the claim transaction commits
// the key (with its final stored result: this intent, this attempt), the
// intent, the attempt in init and their audit entries together. A key is
// never half-claimed, so there is no key-finalization step to crash after;
// claim.committed covers the state right after it.
#include "harness.hpp"

#include "payintent/testing/crash_points.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <optional>
#include <string>

using namespace payintent;
using namespace payintent::crash_test;

namespace {

// What the child acknowledged before dying, by scenario (see crash_child.cpp):
// a charge point kills the third charge, so two were answered; a recovery
// point kills recover() after six charges; purge.batch after 22. A store
// point kills eight threads charging at once, so the count varies (nullopt);
// check_survival retries every key the child used, answered or not.
std::optional<std::size_t> acks_before(std::string_view point) {
  if (point.starts_with("recovery.")) return 6;
  if (point.starts_with("purge.")) return 22;
  if (point.starts_with("store.")) return std::nullopt;
  return 2;
}

// The charge the child was making when it died at a charge point (its third,
// an approval), and where recovery must leave it: before authorize was
// called, the network has nothing and recovery voids, so the intent fails;
// from authorize.sent on, the journal has the authorization and recovery
// adopts it (or finds it already recorded).
intent_status in_flight_charge_ends(std::string_view point) {
  return point == "claim.committed" ? intent_status::failed : intent_status::succeeded;
}

// Both SQL stores commit groups (docs/design.md, "Group commit"), so every
// point, store.group_member_applied included, is reached on either.
void crash_and_recover(std::string_view point) {
  INFO("crash point " << point);
  scratch_dir dir;
  const auto db = crash_store(dir);
  const auto journal = dir.file("network.journal");
  const auto out = dir.file("child.out");

  const pid_t pid = spawn_child({"point", db, journal, std::string(point)}, out);
  const int status = wait_child(pid);
  child_log log;
  log.read(out);
  REQUIRE_MESSAGE(killed_by_sigkill(status),
                  "the child was not killed at the point: " << describe(status));
  CHECK(log.words.count("survived") == 0);
  if (const auto expected = acks_before(point)) CHECK(log.acks.size() == *expected);

  survivor s(db, journal);
  s.advance_clock(child_lease + std::chrono::milliseconds(100));  // past every lease
  const auto f = check_survival(s, db, journal, log, point.starts_with("purge."));

  const std::string prefix = "cp-" + std::string(point);
  if (point.starts_with("purge.")) {
    // Two batches of four were deleted before the crash; nothing else, and
    // never the keys guarding unresolved attempts, which still replay.
    CHECK(f.keys_fresh == 8);
    for (int n : {20, 21}) {
      auto p = params_for_key(key_for(prefix, card::timeout, n));
      auto r = s.service().charge(tenant, key_for(prefix, card::timeout, n), p);
      REQUIRE(r.has_value());
      CHECK(r.value().replayed);
    }
  } else if (!point.starts_with("recovery.") && !point.starts_with("store.")) {
    const auto key = key_for(prefix, card::approve, 2);
    auto r = s.service().charge(tenant, key, params_for_key(key));
    REQUIRE(r.has_value());
    CHECK(r.value().replayed);
    CHECK(r.value().intent.status == in_flight_charge_ends(point));
  }
  fmt::print(
      "crash point {:<20} acks {:>2}, intents {:>2}, authorizations {:>2}, voids {}, "
      "kept {:>2}; recovery adopted {}, voided {}; keys replayed {:>2}, fresh {}\n",
      point, f.acks, f.intents, f.authorizations, f.voids, f.kept, f.recovered.adopted,
      f.recovered.voided, f.keys_replayed, f.keys_fresh);
}

}  // namespace

TEST_CASE("crash points: killed at each, a fresh process recovers; nothing lost or doubled") {
  // One subcase per point (-sc=<point> runs one): a failure at one point
  // does not hide the others.
  for (const std::string_view point : testing::all_crash_points) {
    SUBCASE(std::string(point).c_str()) {
      crash_and_recover(point);
    }
  }
}
