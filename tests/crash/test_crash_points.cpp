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

#include "payintent/audit.hpp"

#include <algorithm>
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

// The kind whose call `point` follows ("capture.sent": capture), or empty.
std::string follow_up_kind(std::string_view point) {
  for (const std::string_view kind : {"capture", "release", "refund"}) {
    if (point == std::string(kind) + ".sent") return std::string(kind);
  }
  return {};
}

// A capture, release or refund killed at `point` (crash_child follow_up):
// the survivor recovers, retries the child's key (it replays), and the
// call's reference was carried out at most once, by the child, never by
// recovery. Killed before the call (claim.committed), recovery finds
// nothing, voids the reference, and the operation is done anew under a
// new key: once in all.
void crash_follow_up(const std::string& kind, std::string_view point) {
  INFO("follow-up " << kind << " killed at " << point);
  scratch_dir dir;
  const auto db = crash_store(dir);
  const auto journal = dir.file("network.journal");
  const auto out = dir.file("child.out");
  const pid_t pid = spawn_child({"follow_up", db, journal, kind, std::string(point)}, out);
  const int status = wait_child(pid);
  child_log log;
  log.read(out);
  REQUIRE_MESSAGE(killed_by_sigkill(status),
                  "the child was not killed at the point: " << describe(status));
  REQUIRE(log.acks.size() == 1);
  const std::string id = log.acks[0].intent;

  survivor s(db, journal);
  s.advance_clock(child_lease + std::chrono::milliseconds(100));
  const recovery_report recovered = s.recover_until_settled();
  auto& service = s.service();
  const auto key = follow_up_key(kind, point, kind);
  // The key was claimed with the attempt: its retry replays, sending nothing.
  if (kind == "capture") {
    auto r = service.capture(tenant, key, id, follow_up_capture(kind));
    REQUIRE(r.has_value());
    CHECK(r.value().replayed);
  } else if (kind == "release") {
    auto r = service.cancel(tenant, key, id, follow_up_cancel());
    REQUIRE(r.has_value());
    CHECK(r.value().replayed);
  } else {
    auto r = service.refund(tenant, key, id, follow_up_refund());
    REQUIRE(r.has_value());
    CHECK(r.value().replayed);
  }
  CHECK(s.network().follow_up_calls(kind == "capture"   ? attempt_kind::capture
                                    : kind == "release" ? attempt_kind::release
                                                        : attempt_kind::refund) == 0);

  const bool before_call = point == "claim.committed";
  auto now = service.retrieve(tenant, id);
  REQUIRE(now.has_value());
  const payment_intent& intent = now.value();
  const attempt& call = intent.attempts.back();
  CHECK(to_string(call.kind) == kind);
  CHECK(call.state == (before_call ? attempt_state::voided : attempt_state::succeeded));
  if (before_call) {
    // Done anew, under a new key and a new reference.
    const auto again = follow_up_key(kind, point, "again");
    bool done = false;
    if (kind == "capture") {
      auto r = service.capture(tenant, again, id, follow_up_capture(kind));
      done = r && r.value().intent.status == intent_status::succeeded;
    } else if (kind == "release") {
      auto r = service.cancel(tenant, again, id, follow_up_cancel());
      done = r && r.value().intent.status == intent_status::canceled;
    } else {
      auto r = service.refund(tenant, again, id, follow_up_refund());
      done = r && r.value().refund.status == refund_status::succeeded;
    }
    CHECK(done);
  }
  const auto final_intent = service.retrieve(tenant, id);
  REQUIRE(final_intent.has_value());
  const payment_intent& f = final_intent.value();
  if (kind == "capture") {
    CHECK(f.status == intent_status::succeeded);
    CHECK(f.amount_received() == 600);
  } else if (kind == "release") {
    CHECK(f.status == intent_status::canceled);
    CHECK(f.cancellation_reason == "requested_by_customer");
  } else {
    CHECK(f.amount_refunded() == 400);
  }
  // The journal: each reference carried out at most once, once in all.
  std::size_t carried_out = 0;
  for (const auto& [reference, seen] : read_journal(journal)) {
    INFO("reference " << reference);
    const auto n = static_cast<std::size_t>(std::count(seen.verbs.begin(), seen.verbs.end(), kind));
    CHECK(n <= 1);
    carried_out += n;
  }
  CHECK(carried_out == 1);
  CHECK(verify_audit(service.audit_trail(tenant, id).value()).ok);
  fmt::print("follow-up {:<8} killed at {:<18} recovery adopted {}, voided {}; carried out {}\n",
             kind, point, recovered.adopted, recovered.voided, carried_out);
}

}  // namespace

TEST_CASE("crash points: killed at each, a fresh process recovers; nothing lost or doubled") {
  // One subcase per point (-sc=<point> runs one): a failure at one point
  // does not hide the others.
  for (const std::string_view point : testing::all_crash_points) {
    SUBCASE(std::string(point).c_str()) {
      if (const auto kind = follow_up_kind(point); !kind.empty()) {
        crash_follow_up(kind, point);
      } else {
        crash_and_recover(point);
      }
    }
  }
}

TEST_CASE("crash points of captures, releases and refunds: money moves once") {
  for (const std::string kind : {"capture", "release", "refund"}) {
    for (const std::string_view point :
         {"claim.committed", "outcome.received", "outcome.committed"}) {
      SUBCASE((kind + " " + std::string(point)).c_str()) {
        crash_follow_up(kind, point);
      }
    }
  }
}
