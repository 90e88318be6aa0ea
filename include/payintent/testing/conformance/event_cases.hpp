// payintent::testing — conformance cases of the event outbox
// (idempotency_store::read_events, consumer_position, acknowledge_events,
// purge_events; events.hpp). A store adds
//
//   PAYINTENT_STORE_EVENT_CONFORMANCE_SUITE("my_store", make_my_store())
//
// beside PAYINTENT_STORE_CONFORMANCE_SUITE (store_conformance.hpp). A store
// that keeps no events (read_events answers not_supported) passes each case
// with a doctest warning saying it was skipped, so the skip shows in the log.
#pragma once

#include "payintent/event_kit.hpp"
#include "payintent/testing/store_conformance.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace payintent::testing::conformance {

// False (and a warning in the log, never silent) when the store keeps no events.
inline bool keeps_events(idempotency_store& store) {
  const auto r = store.read_events(event_query{});
  if (!r && r.error() == errc::not_supported) {
    WARN_MESSAGE(false, "SKIPPED: the store keeps no events (read_events answers not_supported)");
    return false;
  }
  return true;
}

inline std::vector<event_record> all_events(idempotency_store& store, std::uint64_t after = 0) {
  return expect_ok(store.read_events(event_query{after, {}, {}, 1'000'000}));
}

// A write moving `stored` to `to`, announced as the engine announces it
// ("intent.<to>"), with attempt `a` written when given.
inline intent_write status_write(const payment_intent& stored, intent_status to,
                                 std::optional<attempt_write> a = std::nullopt) {
  intent_write w;
  w.intent = stored;
  w.intent.attempts.clear();
  w.intent.status = to;
  w.expected_version = stored.version;
  w.audit = {event("intent." + std::string(to_string(to)), std::string(to_string(stored.status)),
                   std::string(to_string(to)))};
  w.attempt = std::move(a);
  w.node_id = "node-a";
  return w;
}

// Creates `pi` (no event), moves it to processing with attempt 1 (one
// event) and returns it as stored.
inline payment_intent processing_stored(idempotency_store& store, const payment_intent& pi) {
  const auto created = create_stored(store, pi);
  auto w = status_write(created, intent_status::processing,
                        attempt_write{new_attempt(created, 1, 1), std::nullopt, false, 30'000});
  w.audit.push_back(event("attempt.init", "", "init", 1));
  expect_ok(store.commit(w));
  return must_load(store, pi.tenant, pi.id);
}

// Events in commit order, each with its change's stamps and snapshot; the
// reads filter by cursor, tenant and type, and stop at the limit.
inline void events_in_order(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  if (!keeps_events(store)) return;
  const auto t0 = expect_ok(store.now_ms());
  auto a = processing_stored(store, new_intent(tenant_a, "pi_ev_a"));
  sut.advance_clock_ms(1'000);
  {
    attempt done = a.attempts.at(0);
    done.state = attempt_state::authorized;
    done.lease_expires_at_ms = 0;
    auto w = status_write(a, intent_status::succeeded, attempt_write{done, 1, false, 0});
    w.audit.insert(w.audit.begin(), event("attempt.authorized", "init", "authorized", 1));
    expect_ok(store.commit(w));
  }
  a = must_load(store, tenant_a, a.id);
  const auto b = processing_stored(store, new_intent(tenant_b, "pi_ev_b"));

  const auto events = all_events(store);
  REQUIRE(events.size() == 3);
  CHECK(events[0].sequence < events[1].sequence);
  CHECK(events[1].sequence < events[2].sequence);
  CHECK(events[0].type == "payment_intent.processing");
  CHECK(events[0].created_at_ms == t0);
  CHECK(events[0].snapshot.version == 2);
  CHECK(events[0].snapshot.status == intent_status::processing);
  REQUIRE(events[0].attempt.has_value());
  CHECK(events[0].attempt->state == attempt_state::init);
  CHECK(events[0].attempt->lease_expires_at_ms == t0 + 30'000);

  const event_record& done = events[1];
  CHECK(done.type == "payment_intent.succeeded");
  CHECK(done.id.size() == 28);
  CHECK(done.id.starts_with("evt_"));
  CHECK(done.id == store_kit::event_id(tenant_a, a.id, a.version, done.type));
  CHECK(done.id != events[0].id);
  CHECK(done.tenant == tenant_a);
  CHECK(done.intent == a.id);
  CHECK(done.created_at_ms == t0 + 1'000);
  auto expected = a;  // the snapshot is the stored intent without its attempts
  expected.attempts.clear();
  CHECK(done.snapshot == expected);
  REQUIRE(done.attempt.has_value());
  CHECK(*done.attempt == a.attempts.at(0));
  CHECK(events[2].tenant == tenant_b);
  CHECK(events[2].intent == b.id);

  CHECK(all_events(store) == events);  // stable: the same ids and snapshots on every read
  const auto after_first = all_events(store, events[0].sequence);
  REQUIRE(after_first.size() == 2);
  CHECK(after_first[0] == events[1]);
  CHECK(all_events(store, events[2].sequence).empty());
  const auto of_b = expect_ok(store.read_events({0, tenant_b, {}, 100}));
  REQUIRE(of_b.size() == 1);
  CHECK(of_b[0] == events[2]);
  const auto succeeded = expect_ok(store.read_events({0, {}, "payment_intent.succeeded", 100}));
  REQUIRE(succeeded.size() == 1);
  CHECK(succeeded[0] == events[1]);
  const auto by_id = expect_ok(store.read_events({0, {}, {}, 100, events[1].id}));
  REQUIRE(by_id.size() == 1);
  CHECK(by_id[0] == events[1]);
  const auto one = expect_ok(store.read_events({0, {}, {}, 1}));
  REQUIRE(one.size() == 1);
  CHECK(one[0] == events[0]);
  CHECK(expect_ok(store.read_events({0, {}, {}, 0})).empty());
}

// Which audit entries announce events: an intent's change of status, a
// capture's or refund's outcome; not a creation, nor an authorization's own
// attempt entries.
inline void event_types(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  if (!keeps_events(store)) return;
  auto pi = new_intent(tenant_a, "pi_ev_types");
  pi.capture_method = capture_method::manual;
  auto held = processing_stored(store, pi);
  // Writes attempt `a` (fenced by 1 when it exists) and moves the intent to
  // `to`, with `entries` as the write's audit entries (before the intent's
  // own, when it moves).
  auto step = [&](attempt a, intent_status to, std::vector<audit_event> entries) {
    const bool fresh = static_cast<std::size_t>(a.number) > held.attempts.size();
    auto w = status_write(
        held, to,
        attempt_write{std::move(a), fresh ? std::nullopt : std::optional<std::uint64_t>(1), false,
                      fresh ? 30'000 : 0});
    if (to == held.status) w.audit.clear();
    w.audit.insert(w.audit.begin(), entries.begin(), entries.end());
    expect_ok(store.commit(w));
    held = must_load(store, tenant_a, pi.id);
  };
  auto settled = [&](int number, attempt_state state) {
    attempt a = held.attempts.at(static_cast<std::size_t>(number) - 1);
    a.state = state;
    return a;
  };
  auto follow_up = [&](attempt_kind kind, std::int64_t amount) {
    attempt a = new_attempt(held, static_cast<int>(held.attempts.size()) + 1, 1);
    a.kind = kind;
    a.amount = amount;
    return a;
  };
  step(settled(1, attempt_state::authorized), intent_status::requires_capture,
       {event("attempt.authorized", "init", "authorized", 1)});
  // A capture (attempt 2) in one write, its outcome in the next.
  step(follow_up(attempt_kind::capture, 700), intent_status::processing,
       {event("attempt.init", "", "init", 2)});
  step(settled(2, attempt_state::succeeded), intent_status::succeeded,
       {event("attempt.succeeded", "init", "succeeded", 2)});
  // A refund (attempt 3) that fails leaves the intent as it is.
  step(follow_up(attempt_kind::refund, 200), intent_status::succeeded,
       {event("attempt.init", "", "init", 3)});
  step(settled(3, attempt_state::declined), intent_status::succeeded,
       {event("attempt.declined", "init", "declined", 3)});

  std::vector<std::string> types;
  for (const auto& e : all_events(store)) types.push_back(e.type);
  CHECK(types == std::vector<std::string>{"payment_intent.processing",
                                          "payment_intent.amount_capturable_updated",
                                          "payment_intent.processing", "charge.captured",
                                          "payment_intent.succeeded", "refund.failed"});
  const auto failed = expect_ok(store.read_events({0, {}, "refund.failed", 10}));
  REQUIRE(failed.size() == 1);
  REQUIRE(failed[0].attempt.has_value());
  CHECK(failed[0].attempt->kind == attempt_kind::refund);
  CHECK(failed[0].attempt->amount == 200);
  CHECK(failed[0].snapshot.status == intent_status::succeeded);
}

// No event without its change: a write whose preconditions fail, a claim
// whose key is taken, and a claim whose write fails write no event.
inline void events_atomic_with_change(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  if (!keeps_events(store)) return;
  const auto stored = processing_stored(store, new_intent(tenant_a, "pi_ev_atomic"));
  const auto before = all_events(store);
  REQUIRE(before.size() == 1);

  auto stale = status_write(stored, intent_status::failed);
  stale.expected_version = stored.version - 1;
  CHECK(name_of(errc::version_conflict) == outcome_of(store.commit(stale)));
  attempt fenced = stored.attempts.at(0);
  fenced.state = attempt_state::declined;
  auto fenced_out = status_write(stored, intent_status::failed, attempt_write{fenced, 9, false, 0});
  CHECK(name_of(errc::fenced_out) == outcome_of(store.commit(fenced_out)));
  auto missing = status_write(stored, intent_status::failed);
  missing.intent.id = intent_id{"pi_ev_missing"};
  CHECK(name_of(errc::not_found) == outcome_of(store.commit(missing)));

  claim_request taken;
  taken.key = new_key(tenant_a, "create-pi_ev_atomic", fingerprint_1, stored.id);
  taken.retention_ms = retention_ms;
  taken.write = status_write(stored, intent_status::canceled);
  CHECK(expect_ok(store.claim(taken)).status == claim_status::replay);
  claim_request conflicting;
  conflicting.key = new_key(tenant_a, "cancel-pi_ev_atomic", fingerprint_1, stored.id);
  conflicting.retention_ms = retention_ms;
  conflicting.write = status_write(stored, intent_status::canceled);
  conflicting.write->expected_version = stored.version + 1;
  CHECK(name_of(errc::version_conflict) == outcome_of(store.claim(conflicting)));
  CHECK_FALSE(expect_ok(store.load_key(tenant_a, conflicting.key.key)).has_value());

  // A charge's claim creates its intent in processing (an event) in one
  // write: its replay, and a twin creating the same intent under another
  // key, write none.
  auto charge = claim_create("charge-pi_ev_charged", new_intent(tenant_a, "pi_ev_charged"));
  charge.write->intent.status = intent_status::processing;
  charge.write->audit.push_back(event("intent.processing", "created", "processing"));
  CHECK(expect_ok(store.claim(charge)).status == claim_status::claimed);
  const auto charged = all_events(store);
  REQUIRE(charged.size() == 2);
  CHECK(charged[1].type == "payment_intent.processing");
  CHECK(charged[1].snapshot.version == 1);
  CHECK(expect_ok(store.claim(charge)).status == claim_status::replay);
  auto twin = charge;
  twin.key.key = idempotency_key{"charge-twin"};
  CHECK(name_of(errc::version_conflict) == outcome_of(store.claim(twin)));

  CHECK(all_events(store) == charged);
  CHECK(must_load(store, tenant_a, stored.id) == stored);

  // And no change without its event: the claim that does write, writes one.
  conflicting.write->expected_version = stored.version;
  CHECK(expect_ok(store.claim(conflicting)).status == claim_status::claimed);
  const auto after = all_events(store);
  REQUIRE(after.size() == 3);
  CHECK(after[2].type == "payment_intent.canceled");
  CHECK(after[2].snapshot.version == stored.version + 1);
}

// Named consumers keep cursors of their own that never move back.
inline void consumer_cursors(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  if (!keeps_events(store)) return;
  CHECK(expect_ok(store.consumer_position("webhooks")) == 0);
  CHECK(expect_ok(store.acknowledge_events("webhooks", 5)) == 5);
  CHECK(expect_ok(store.acknowledge_events("webhooks", 3)) == 5);  // never back
  CHECK(expect_ok(store.consumer_position("webhooks")) == 5);
  CHECK(expect_ok(store.consumer_position("ledger")) == 0);
  CHECK(expect_ok(store.acknowledge_events("ledger", 2)) == 2);
  CHECK(expect_ok(store.acknowledge_events("webhooks", 9)) == 9);
  CHECK(expect_ok(store.consumer_position("ledger")) == 2);
  CHECK(expect_ok(store.consumer_position("webhooks")) == 9);
  CHECK(name_of(errc::invalid_argument) == outcome_of(store.consumer_position("")));
  CHECK(name_of(errc::invalid_argument) ==
        outcome_of(store.acknowledge_events(std::string(max_consumer_name + 1, 'x'), 1)));
  CHECK(expect_ok(store.acknowledge_events(std::string(max_consumer_name, 'x'), 1)) == 1);
}

// Purge deletes the oldest events created before the cutoff, in batches,
// and sequences are not reused after it.
inline void purge_events(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  if (!keeps_events(store)) return;
  processing_stored(store, new_intent(tenant_a, "pi_ev_old1"));
  processing_stored(store, new_intent(tenant_b, "pi_ev_old2"));
  processing_stored(store, new_intent(tenant_a, "pi_ev_old3"));
  sut.advance_clock_ms(10'000);
  const auto cutoff = expect_ok(store.now_ms());
  processing_stored(store, new_intent(tenant_a, "pi_ev_young"));
  const auto before = all_events(store);
  REQUIRE(before.size() == 4);

  CHECK(expect_ok(store.purge_events(cutoff, 2)) == 2);
  auto left = all_events(store);
  REQUIRE(left.size() == 2);
  CHECK(left[0] == before[2]);
  CHECK(expect_ok(store.purge_events(cutoff, 100)) == 1);
  CHECK(expect_ok(store.purge_events(cutoff, 100)) == 0);
  left = all_events(store);
  REQUIRE(left.size() == 1);
  CHECK(left[0] == before[3]);
  CHECK(expect_ok(store.purge_events(cutoff + 1, 100)) == 1);
  CHECK(all_events(store).empty());
  processing_stored(store, new_intent(tenant_a, "pi_ev_after"));
  left = all_events(store);
  REQUIRE(left.size() == 1);
  CHECK(left[0].sequence > before[3].sequence);  // never reused
}

// A consumer reading while 8 threads write never has an event appear
// behind its cursor: what it collected, reading after its cursor as it
// went, is every event there is once the writers are done.
inline void reader_never_skips(const store_factory& make) {
  auto sut = make();
  auto& store = *sut.store;
  if (!keeps_events(store)) return;
  constexpr int writers = 8;
  constexpr int intents_each = 25;
  std::atomic<int> running{writers};
  std::atomic<int> failures{0};
  std::mutex failed_mutex;
  std::vector<std::string> failed;  // what each failed write answered
  const auto fail = [&](const std::string& what, const error_code& ec) {
    ++failures;
    const std::lock_guard lock(failed_mutex);
    failed.push_back(fmt::format("{}: {}", what, ec.message()));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < intents_each; ++i) {
        const auto pi = new_intent(tenant_a, fmt::format("pi_ev_race_{}_{}", t, i));
        if (auto claimed = store.claim(claim_create("race-" + pi.id.str(), pi)); !claimed) {
          fail("claim", claimed.error());
          continue;
        }
        auto created = store.load(pi.tenant, pi.id);
        if (!created || !created.value()) {
          fail("load", created ? make_error_code(errc::not_found) : created.error());
          continue;
        }
        if (auto c = store.commit(status_write(*created.value(), intent_status::processing)); !c)
          fail("commit", c.error());
      }
      --running;
    });
  }
  std::vector<event_record> seen;
  std::uint64_t cursor = 0;
  int reads = 0;
  for (bool last = false; !last;) {
    last = running.load() == 0;  // one more read after the writers are done
    const auto page = expect_ok(store.read_events({cursor, {}, {}, 50}));
    for (const auto& e : page) {
      CHECK(e.sequence > cursor);
      cursor = e.sequence;
      seen.push_back(e);
    }
    ++reads;
    if (page.size() == 50) last = false;
  }
  for (auto& t : threads) t.join();
  INFO("failed writes: " << fmt::format("{}", fmt::join(failed, "; ")));
  CHECK(failures.load() == 0);
  const auto every = all_events(store);
  CHECK(every.size() == static_cast<std::size_t>(writers * intents_each));
  std::vector<std::string> missed;
  std::set<std::uint64_t> collected;
  for (const auto& e : seen) collected.insert(e.sequence);
  for (const auto& e : every) {
    if (!collected.contains(e.sequence)) missed.push_back(fmt::format("{}", e.sequence));
  }
  INFO("reads: " << reads
                 << "; events the reader skipped: " << fmt::format("{}", fmt::join(missed, ",")));
  CHECK(missed.empty());
  CHECK(seen.size() == every.size());
}

}  // namespace payintent::testing::conformance

// The event outbox's cases, for the store named `name`.
#define PAYINTENT_STORE_EVENT_CONFORMANCE_SUITE(name, factory_expr)                           \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "events in order", events_in_order, factory_expr)    \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "event types", event_types, factory_expr)            \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "events atomic with their change",                   \
                                   events_atomic_with_change, factory_expr)                   \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "consumer cursors", consumer_cursors, factory_expr)  \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "purge events", purge_events, factory_expr)          \
  PAYINTENT_STORE_CONFORMANCE_CASE(name, "a reader never skips an event", reader_never_skips, \
                                   factory_expr)
