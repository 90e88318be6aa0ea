// Group commit in the PostgreSQL store (adapters/common/group_transaction.hpp):
// writes that queue while a group runs share the next transaction, each in
// its own savepoint, on one lane's connection. Groups are formed on purpose:
// with one lane, a first write is held on a row lock that another connection
// keeps, and the writes that arrive meanwhile queue behind it as one group;
// the crash hook counts the members applied inside groups of two or more.
#include "postgres_fixture.hpp"

#include "group_counter.hpp"
#include "payintent/testing/conformance/event_cases.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

using namespace payintent;
using namespace payintent::testing::conformance;
using namespace std::chrono_literals;
using payintent::postgres_test::must_open;
using payintent::postgres_test::raw_pg;
using payintent::postgres_test::test_database;
using payintent::store_test::group_counter;

namespace {

struct one_lane_store {
  one_lane_store() {
    postgres_store_options o;
    o.conninfo = test_database::get().fresh_schema();
    o.group_lanes = 1;
    conninfo = o.conninfo;
    store = must_open(std::move(o));
  }
  std::string conninfo;
  std::unique_ptr<postgres_store> store;
};

// Holds `id`'s row lock from another connection until release(): a commit
// on that intent waits in its first round trip, and the writes arriving
// meanwhile queue behind its group.
class row_lock {
 public:
  row_lock(const std::string& conninfo, const intent_id& id) : db_(conninfo) {
    REQUIRE(db_.exec("BEGIN"));
    REQUIRE(db_.texts(fmt::format("SELECT id FROM intents WHERE tenant = '{}' AND id = '{}' "
                                  "FOR UPDATE",
                                  tenant_a.str(), id.str()))
                .size() == 1);
  }
  void release() { REQUIRE(db_.exec("ROLLBACK")); }

 private:
  raw_pg db_;
};

// Runs `first` on a thread, lets it block behind `lock`, then runs each of
// `rest` on a thread of its own (they queue as one group), releases the lock
// once they have had time to queue, and runs `meanwhile` while the group is
// under way.
void queue_behind_lock(
    row_lock& lock, const std::function<void()>& first,
    const std::vector<std::function<void()>>& rest,
    const std::function<void()>& meanwhile = [] {}) {
  std::thread leader(first);
  std::this_thread::sleep_for(150ms);
  std::vector<std::thread> followers;
  for (const auto& f : rest) followers.emplace_back(f);
  std::this_thread::sleep_for(300ms);
  lock.release();
  meanwhile();
  leader.join();
  for (auto& t : followers) t.join();
}

}  // namespace

TEST_CASE("postgres group commit: queued claims and commits each get their own answer") {
  one_lane_store s;
  auto& store = *s.store;
  const auto blocker = create_stored(store, new_intent(tenant_a, "pi_blocker"));
  const auto existing = create_stored(store, new_intent(tenant_a, "pi_existing"));
  group_counter grouped;
  row_lock lock(s.conninfo, blocker.id);

  constexpr int fresh = 12;
  std::vector<result<claim_result>> claims(fresh, errc::store_unavailable);
  result<claim_result> replay = errc::store_unavailable, mismatch = errc::store_unavailable;
  result<write_receipt> stale = errc::store_unavailable, current = errc::store_unavailable;
  result<write_receipt> first = errc::store_unavailable;
  std::vector<std::function<void()>> rest;
  for (int i = 0; i < fresh; ++i) {
    rest.emplace_back([&, i] {
      claims[i] = store.claim(claim_create(fmt::format("fresh-{}", i),
                                           new_intent(tenant_a, fmt::format("pi_fresh_{}", i))));
    });
  }
  rest.emplace_back([&] {
    replay = store.claim(claim_create("create-pi_existing", new_intent(tenant_a, "pi_other_1")));
  });
  rest.emplace_back([&] {
    mismatch = store.claim(
        claim_create("create-pi_existing", new_intent(tenant_a, "pi_other_2"), fingerprint_2));
  });
  rest.emplace_back([&] {
    auto w = start_attempt_write(existing, 1, 1);
    w.expected_version = existing.version - 1;
    stale = store.commit(w);
  });
  rest.emplace_back([&] { current = store.commit(start_attempt_write(existing, 1, 1)); });
  queue_behind_lock(
      lock, [&] { first = store.commit(start_attempt_write(blocker, 1, 1)); }, rest);

  CHECK(outcome_of(first) == "ok");
  CHECK(grouped.members() == static_cast<int>(rest.size()));
  for (int i = 0; i < fresh; ++i) {
    INFO("fresh-" << i);
    INFO((claims[i].has_value() ? std::string("ok") : claims[i].error().message()));
    REQUIRE(claims[i].has_value());
    CHECK(claims[i].value().status == claim_status::claimed);
    CHECK(must_load(store, tenant_a, intent_id{fmt::format("pi_fresh_{}", i)}).version == 1);
  }
  REQUIRE(replay.has_value());
  CHECK(replay.value().status == claim_status::replay);
  REQUIRE(mismatch.has_value());
  CHECK(mismatch.value().status == claim_status::mismatch);
  CHECK_FALSE(expect_ok(store.load(tenant_a, intent_id{"pi_other_1"})).has_value());
  CHECK_FALSE(expect_ok(store.load(tenant_a, intent_id{"pi_other_2"})).has_value());
  CHECK(outcome_of(stale) == name_of(errc::version_conflict));
  CHECK(outcome_of(current) == "ok");
  const auto after = must_load(store, tenant_a, existing.id);
  CHECK(after.version == existing.version + 1);
  CHECK(after.attempts.size() == 1);
  CHECK(audit_count(store, tenant_a, existing.id) == 2);  // created, then one attempt
}

TEST_CASE("postgres group commit: a member whose statement fails rolls back alone") {
  one_lane_store s;
  auto& store = *s.store;
  const auto blocker = create_stored(store, new_intent(tenant_a, "pi_blocker"));
  group_counter grouped;
  row_lock lock(s.conninfo, blocker.id);
  // Another server's transaction inserts pi_twin and has not committed: the
  // group's claim of the same id waits on the unique index, and when the
  // twin commits, its INSERT fails (23505) in the middle of the group.
  raw_pg twin(s.conninfo);
  REQUIRE(twin.exec("BEGIN"));
  REQUIRE(twin.exec(fmt::format(
      "INSERT INTO intents (tenant, id, amount, currency, status, payment_method, description, "
      "metadata, version, created_at, updated_at) VALUES ('{}', 'pi_twin', 100, 'EUR', 1, '', "
      "'', '{{}}', 1, 0, 0)",
      tenant_a.str())));

  result<write_receipt> first = errc::store_unavailable;
  result<claim_result> before = errc::store_unavailable, failing = errc::store_unavailable,
                       after = errc::store_unavailable;
  queue_behind_lock(
      lock, [&] { first = store.commit(start_attempt_write(blocker, 1, 1)); },
      {[&] { before = store.claim(claim_create("before", new_intent(tenant_a, "pi_before"))); },
       [&] {
         std::this_thread::sleep_for(50ms);  // queued after `before`
         failing = store.claim(claim_create("twin", new_intent(tenant_a, "pi_twin")));
       },
       [&] {
         std::this_thread::sleep_for(100ms);  // queued after the twin
         after = store.claim(claim_create("after", new_intent(tenant_a, "pi_after")));
       }},
      [&] {
        std::this_thread::sleep_for(300ms);  // the twin's claim is waiting on the index
        REQUIRE(twin.exec("COMMIT"));
      });

  CHECK(outcome_of(first) == "ok");
  CHECK(grouped.members() == 3);
  CHECK(outcome_of(failing) == name_of(errc::version_conflict));
  // Its key went with its savepoint: a retry of "twin" claims afresh.
  CHECK_FALSE(expect_ok(store.load_key(tenant_a, idempotency_key{"twin"})).has_value());
  CHECK(audit_count(store, tenant_a, intent_id{"pi_twin"}) == 0);
  REQUIRE(before.has_value());
  CHECK(before.value().status == claim_status::claimed);
  REQUIRE(after.has_value());
  CHECK(after.value().status == claim_status::claimed);
  CHECK(must_load(store, tenant_a, intent_id{"pi_before"}).version == 1);
  CHECK(must_load(store, tenant_a, intent_id{"pi_after"}).version == 1);
  CHECK(audit_count(store, tenant_a, intent_id{"pi_after"}) > 0);
}

TEST_CASE("postgres group commit: members on one intent or one key run one after the other") {
  // The members of a group run side by side (staged_group.hpp): each
  // round trip carries every member's next statements. Two writes planned
  // from the same version of one intent must still run as if one after the
  // other: the second reads what the first wrote and loses. These writes
  // carry no audit entry, whose key would catch the second anyway.
  one_lane_store s;
  auto& store = *s.store;
  const auto blocker = create_stored(store, new_intent(tenant_a, "pi_blocker"));
  const auto shared = create_stored(store, new_intent(tenant_a, "pi_shared"));
  group_counter grouped;
  row_lock lock(s.conninfo, blocker.id);
  auto unaudited = [&](intent_status to) {
    auto w = status_write(shared, to);
    w.audit.clear();
    return w;
  };
  result<write_receipt> first = errc::store_unavailable, one = errc::store_unavailable,
                        two = errc::store_unavailable;
  result<claim_result> key_one = errc::store_unavailable, key_two = errc::store_unavailable;
  queue_behind_lock(
      lock, [&] { first = store.commit(start_attempt_write(blocker, 1, 1)); },
      {[&] { one = store.commit(unaudited(intent_status::failed)); },
       [&] {
         std::this_thread::sleep_for(50ms);  // queued after `one`
         two = store.commit(unaudited(intent_status::canceled));
       },
       [&] {
         std::this_thread::sleep_for(100ms);
         key_one = store.claim(claim_create("twice", new_intent(tenant_a, "pi_twice_1")));
       },
       [&] {
         std::this_thread::sleep_for(150ms);
         key_two = store.claim(claim_create("twice", new_intent(tenant_a, "pi_twice_2")));
       }});
  CHECK(outcome_of(first) == "ok");
  CHECK(grouped.members() == 4);
  CHECK(outcome_of(one) == "ok");
  CHECK(outcome_of(two) == name_of(errc::version_conflict));
  const auto after = must_load(store, tenant_a, shared.id);
  CHECK(after.version == shared.version + 1);
  CHECK(after.status == intent_status::failed);
  REQUIRE(key_one.has_value());
  REQUIRE(key_two.has_value());
  // One of the two claims of "twice" made it; the other found its key.
  CHECK((key_one.value().status == claim_status::claimed) !=
        (key_two.value().status == claim_status::claimed));
  CHECK((key_one.value().status == claim_status::replay ||
         key_two.value().status == claim_status::replay));
  CHECK(expect_ok(store.load(tenant_a, intent_id{"pi_twice_1"})).has_value() !=
        expect_ok(store.load(tenant_a, intent_id{"pi_twice_2"})).has_value());
}

TEST_CASE("postgres group commit: a group's events are numbered in the order they were written") {
  // Two writes move one intent, the second planned from the first's result;
  // they share a group, so both events go in the group's one INSERT of
  // events, numbered row by row as the COMMIT's round trip sends them.
  one_lane_store s;
  auto& store = *s.store;
  const auto blocker = create_stored(store, new_intent(tenant_a, "pi_blocker"));
  const auto moved = create_stored(store, new_intent(tenant_a, "pi_moved"));
  const auto before = all_events(store);
  const std::uint64_t after = before.empty() ? 0 : before.back().sequence;
  group_counter grouped;
  row_lock lock(s.conninfo, blocker.id);
  auto failed = moved;
  failed.version = moved.version + 1;
  failed.status = intent_status::failed;
  result<write_receipt> first = errc::store_unavailable, one = errc::store_unavailable,
                        two = errc::store_unavailable;
  queue_behind_lock(lock, [&] { first = store.commit(start_attempt_write(blocker, 1, 1)); },
                    {[&] { one = store.commit(status_write(moved, intent_status::failed)); },
                     [&] {
                       std::this_thread::sleep_for(50ms);  // queued after `one`
                       two = store.commit(status_write(failed, intent_status::canceled));
                     }});
  CHECK(outcome_of(first) == "ok");
  CHECK(grouped.members() == 2);
  CHECK(outcome_of(one) == "ok");
  CHECK(outcome_of(two) == "ok");
  std::vector<std::string> types;
  for (const auto& e : all_events(store, after)) {
    if (e.intent == moved.id) types.push_back(e.type);
  }
  CHECK(types ==
        std::vector<std::string>{"payment_intent.payment_failed", "payment_intent.canceled"});
}

TEST_CASE("postgres group commit: reads on a pool of one are not starved by the write lanes") {
  postgres_store_options o;
  o.conninfo = test_database::get().fresh_schema();
  o.pool_size = 1;
  auto store = must_open(std::move(o));
  const auto created = create_stored(*store, new_intent(tenant_a, "pi_pool_one"));
  CHECK(must_load(*store, tenant_a, created.id).version == created.version);
  CHECK(outcome_of(store->commit(start_attempt_write(created, 1, 1))) == "ok");
  CHECK(must_load(*store, tenant_a, created.id).attempts.size() == 1);
}

namespace {

// Set while the test below runs: the connection that ends the group's
// backend from inside the group, once.
raw_pg* terminator = nullptr;
std::atomic<bool> terminated{false};

void terminate_group_connection(std::string_view point) noexcept {
  if (point != "store.group_member_applied" || terminator == nullptr) return;
  if (terminated.exchange(true)) return;
  // Every other backend of this database: the group's lane among them.
  // pg_terminate_backend only signals; the group goes on once they are gone,
  // so the connection is closed before its COMMIT would be sent.
  terminator->exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
    const auto left = terminator->text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    if (left == "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // their sockets closing
}

}  // namespace

TEST_CASE("postgres group commit: a connection lost inside a group runs the group again, once") {
  one_lane_store s;
  auto& store = *s.store;
  const auto blocker = create_stored(store, new_intent(tenant_a, "pi_blocker"));
  // What one claim writes, for comparison.
  REQUIRE(expect_ok(store.claim(claim_create("reference", new_intent(tenant_a, "pi_reference"))))
              .status == claim_status::claimed);
  const auto audit_per_claim = audit_count(store, tenant_a, intent_id{"pi_reference"});
  row_lock lock(s.conninfo, blocker.id);
  raw_pg killer(s.conninfo);
  terminator = &killer;
  terminated = false;
  testing::set_crash_hook(&terminate_group_connection);

  constexpr int members = 6;
  std::vector<result<claim_result>> claims(members, errc::store_unavailable);
  std::vector<std::function<void()>> rest;
  for (int i = 0; i < members; ++i) {
    rest.emplace_back([&, i] {
      claims[i] = store.claim(claim_create(fmt::format("lost-{}", i),
                                           new_intent(tenant_a, fmt::format("pi_lost_{}", i))));
    });
  }
  result<write_receipt> first = errc::store_unavailable;
  queue_behind_lock(
      lock, [&] { first = store.commit(start_attempt_write(blocker, 1, 1)); }, rest);
  testing::set_crash_hook(nullptr);
  terminator = nullptr;

  CHECK(terminated.load());
  CHECK(outcome_of(first) == "ok");
  // The backend died after the members' statements and before
  // COMMIT: nothing of the group was written, and the group ran again on a
  // new connection, so every claim is answered claimed and written once.
  for (int i = 0; i < members; ++i) {
    INFO("lost-" << i);
    INFO((claims[i].has_value() ? std::string("ok") : claims[i].error().message()));
    REQUIRE(claims[i].has_value());
    CHECK(claims[i].value().status == claim_status::claimed);
    const auto id = intent_id{fmt::format("pi_lost_{}", i)};
    CHECK(must_load(store, tenant_a, id).version == 1);
    CHECK(audit_count(store, tenant_a, id) == audit_per_claim);
  }
}

namespace {

// Set while the test below runs: after a member of a group of two or more
// is applied, another connection changes (and commits) every split-test
// intent row the group has not locked yet, so the group's next member locks
// a row changed after the group's snapshot: 40001, every time the group runs
// with more than one member.
raw_pg* spoiler = nullptr;
std::atomic<int> spoiled{0};

void spoil_the_rest(std::string_view point) noexcept {
  if (point != "store.group_member_applied" || spoiler == nullptr) return;
  if (spoiler->exec(
          fmt::format("UPDATE intents SET updated_at = updated_at WHERE tenant = '{}' AND id IN "
                      "(SELECT id FROM intents WHERE tenant = '{}' AND id LIKE 'pi_split_%' "
                      "FOR UPDATE SKIP LOCKED)",
                      tenant_a.str(), tenant_a.str())))
    spoiled.fetch_add(1);
}

}  // namespace

TEST_CASE("postgres group commit: a group that keeps losing serialization runs as halves") {
  postgres_store_options o;
  o.conninfo = test_database::get().fresh_schema();
  const auto plain = o.conninfo;
  const auto schema = raw_pg(plain).text("SELECT current_schema()");
  o.conninfo = postgres_test::conninfo_with(
      plain,
      {{"options", "-csearch_path=" + schema + " -cdefault_transaction_isolation=serializable"}});
  o.group_lanes = 1;
  auto store = must_open(std::move(o));
  const auto blocker = create_stored(*store, new_intent(tenant_a, "pi_blocker"));
  constexpr int members = 6;
  std::vector<payment_intent> intents;
  for (int i = 0; i < members; ++i)
    intents.push_back(create_stored(*store, new_intent(tenant_a, fmt::format("pi_split_{}", i))));

  row_lock lock(plain, blocker.id);
  raw_pg other(plain);
  spoiler = &other;
  spoiled = 0;
  testing::set_crash_hook(&spoil_the_rest);
  std::vector<result<write_receipt>> commits(members, errc::store_unavailable);
  std::vector<std::function<void()>> rest;
  for (int i = 0; i < members; ++i)
    rest.emplace_back(
        [&, i] { commits[i] = store->commit(start_attempt_write(intents[i], 1, 1)); });
  result<write_receipt> first = errc::store_unavailable;
  queue_behind_lock(
      lock, [&] { first = store->commit(start_attempt_write(blocker, 1, 1)); }, rest);
  testing::set_crash_hook(nullptr);
  spoiler = nullptr;

  CHECK(outcome_of(first) == "ok");
  // Run whole, the group would lose all six retries to the same conflict
  // and answer busy to every member. Halved down to single writes (which
  // the hook leaves alone), each commits once.
  CHECK(spoiled.load() > 0);
  for (int i = 0; i < members; ++i) {
    INFO("pi_split_" << i);
    CHECK(outcome_of(commits[i]) == "ok");
    const auto after = must_load(*store, tenant_a, intents[i].id);
    CHECK(after.version == intents[i].version + 1);
    CHECK(after.attempts.size() == 1);
  }
}
