// The SQLite store's file: what survives a reopen, the schema version, WAL,
// and opening it from many threads at once.
#include "raw_sqlite.hpp"
#include "sqlite_fixture.hpp"
#include "payintent/testing/conformance/event_cases.hpp"

#include <atomic>
#include <thread>
#include <vector>

using namespace payintent;
using namespace payintent::testing::conformance;
using payintent::sqlite_test::must_open;
using payintent::sqlite_test::options_for;
using payintent::sqlite_test::raw_db;
using payintent::sqlite_test::temp_dir;

TEST_CASE("sqlite: everything committed survives closing and reopening the file") {
  temp_dir dir;
  const auto path = dir.file("durable.db");
  testing::manual_clock clock;
  const auto pi = new_intent(tenant_a, "pi_durable");
  payment_intent before;
  std::vector<audit_entry> trail;
  std::optional<key_record> key;
  {
    auto store = must_open(options_for(path, clock));
    create_with_attempt(*store, pi, 4);
    before = must_load(*store, tenant_a, pi.id);
    trail = expect_ok(store->audit_trail(tenant_a, pi.id));
    key = expect_ok(store->load_key(tenant_a, idempotency_key{"create-pi_durable"}));
    REQUIRE(key.has_value());
  }
  auto store = must_open(options_for(path, clock));
  CHECK(must_load(*store, tenant_a, pi.id) == before);
  CHECK(expect_ok(store->audit_trail(tenant_a, pi.id)) == trail);
  CHECK(verify_audit(trail).ok);
  CHECK(expect_ok(store->load_key(tenant_a, idempotency_key{"create-pi_durable"})) == key);
  const auto unresolved = expect_ok(store->list_unresolved(10));
  REQUIRE(unresolved.size() == 1);
  CHECK(unresolved[0].intent == pi.id);
  // The chain goes on from where it was.
  expect_ok(store->commit(outcome_write(before, 1, 4, attempt_state::authorized, before.version)));
  const auto longer = expect_ok(store->audit_trail(tenant_a, pi.id));
  REQUIRE(longer.size() == trail.size() + 1);
  CHECK(longer.back().prev_hash == trail.back().hash);
  CHECK(verify_audit(longer).ok);
}

TEST_CASE("sqlite: a new file gets the current schema version, in WAL mode") {
  temp_dir dir;
  const auto path = dir.file("schema.db");
  testing::manual_clock clock;
  auto store = must_open(options_for(path, clock));
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == sqlite_store::schema_version);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  for (const char* table : {"intents", "attempts", "idempotency_keys", "audit"}) {
    INFO("table " << table);
    CHECK(raw.integer(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                  "name = '") +
                      table + "'") == 1);
  }
  CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                    "('attempts_unresolved', 'idempotency_keys_expiry')") == 2);
}

TEST_CASE("sqlite: reopening is idempotent, also from many threads at once") {
  temp_dir dir;
  const auto path = dir.file("reopen.db");
  testing::manual_clock clock;
  {
    auto store = must_open(options_for(path, clock));
    create_stored(*store, new_intent(tenant_a, "pi_reopen"));
  }
  std::atomic<int> opened{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      if (sqlite_store::open(options_for(path, clock))) ++opened;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(opened.load() == 8);
  auto store = must_open(options_for(path, clock));
  CHECK(must_load(*store, tenant_a, intent_id{"pi_reopen"}).version == 1);
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == sqlite_store::schema_version);
}

TEST_CASE("sqlite: a brand-new file opened by many threads at once is migrated once") {
  temp_dir dir;
  const auto path = dir.file("race.db");
  testing::manual_clock clock;
  std::atomic<int> wrote{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // No doctest assertions off the test's thread: count instead.
      auto s = sqlite_store::open(options_for(path, clock));
      if (!s) return;
      const auto pi = new_intent(tenant_a, "pi_open_" + std::to_string(t));
      auto r = s.value()->claim(claim_create("open-" + std::to_string(t), pi));
      if (r && r.value().status == claim_status::claimed) ++wrote;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrote.load() == 8);
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == sqlite_store::schema_version);
  CHECK(raw.integer("SELECT count(*) FROM intents") == 8);
}

TEST_CASE("sqlite: a file from a newer schema is refused, not misread") {
  temp_dir dir;
  const auto path = dir.file("future.db");
  testing::manual_clock clock;
  must_open(options_for(path, clock));
  {
    raw_db raw(path);
    REQUIRE(raw.exec("PRAGMA user_version = " + std::to_string(sqlite_store::schema_version + 1)) ==
            SQLITE_OK);
  }
  CHECK(outcome_of(sqlite_store::open(options_for(path, clock))) == name_of(errc::not_supported));
}

TEST_CASE("sqlite: a file that cannot be opened is store_unavailable") {
  testing::manual_clock clock;
  CHECK(outcome_of(sqlite_store::open(options_for("/nonexistent-dir/x/store.db", clock))) ==
        name_of(errc::store_unavailable));
}

TEST_CASE("sqlite: open without a path is invalid_argument") {
  CHECK(outcome_of(sqlite_store::open({})) == name_of(errc::invalid_argument));
}

TEST_CASE("sqlite: a schema 1 file migrates to the current schema, data intact") {
  temp_dir dir;
  const auto path = dir.file("v1.db");
  testing::manual_clock clock;
  const auto pi = new_intent(tenant_a, "pi_from_v1");
  {
    auto store = must_open(options_for(path, clock));
    create_stored(*store, pi);
  }
  {
    raw_db raw(path);  // as a build before migration 2 left it
    REQUIRE(raw.exec("DROP INDEX intents_requires_action") == SQLITE_OK);
    REQUIRE(raw.exec("DROP INDEX intents_requires_capture") == SQLITE_OK);
    REQUIRE(raw.exec("DROP INDEX attempts_unresolved") == SQLITE_OK);
    REQUIRE(raw.exec("CREATE INDEX attempts_unresolved ON attempts (lease_expires_at) "
                     "WHERE state IN (1, 5, 6)") == SQLITE_OK);
    for (const char* drop : {"ALTER TABLE intents DROP COLUMN capture_method",
                             "ALTER TABLE intents DROP COLUMN cancellation_reason",
                             "ALTER TABLE attempts DROP COLUMN kind",
                             "ALTER TABLE attempts DROP COLUMN amount",
                             "ALTER TABLE attempts DROP COLUMN reason",
                             "DROP TABLE events", "DROP TABLE event_consumers"}) {
      REQUIRE(raw.exec(drop) == SQLITE_OK);
    }
    REQUIRE(raw.exec("PRAGMA user_version = 1") == SQLITE_OK);
  }
  auto store = must_open(options_for(path, clock));
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == sqlite_store::schema_version);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                    "'intents_requires_action'") == 1);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                    "'intents_requires_capture'") == 1);  // migration 5
  // Migration 3: the unresolved-attempt index tests OR terms, not IN.
  CHECK(raw.text("SELECT sql FROM sqlite_master WHERE name = 'attempts_unresolved'")
            .find("state = 1 OR state = 5 OR state = 6") != std::string::npos);
  // Migration 4 (capture and refunds): the rows written before keep what
  // they meant, automatic capture and no cancellation reason.
  const auto loaded = must_load(*store, tenant_a, pi.id);
  CHECK(loaded.id == pi.id);
  CHECK(loaded.capture_method == capture_method::automatic);
  CHECK(loaded.cancellation_reason.empty());
  // Migration 6 (the event outbox): empty, and written from now on.
  CHECK(expect_ok(store->read_events({})).empty());
  expect_ok(store->commit(status_write(loaded, intent_status::canceled)));
  CHECK(expect_ok(store->read_events({})).size() == 1);
}
