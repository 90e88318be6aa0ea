// The SQLite store under faults: each maps to its errc and leaves nothing
// half-written.
#include "raw_sqlite.hpp"
#include "sqlite_fixture.hpp"

#include <chrono>
#include <fstream>
#include <thread>

using namespace payintent;
using namespace payintent::testing::conformance;
using payintent::sqlite_test::must_open;
using payintent::sqlite_test::options_for;
using payintent::sqlite_test::raw_db;
using payintent::sqlite_test::temp_dir;

namespace {

// The whole file replaced by (or, from `offset`, overwritten with) garbage.
void scribble(const std::string& path, std::streamoff offset, std::size_t bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!f) f.open(path, std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekp(offset);
  for (std::size_t i = 0; i < bytes; ++i) f.put(static_cast<char>(0xA5 ^ (i * 31)));
  REQUIRE(f.good());
}

}  // namespace

TEST_CASE("sqlite: a full disk is storage_full, and the failed claim left nothing") {
  temp_dir dir;
  const auto path = dir.file("full.db");
  testing::manual_clock clock;
  must_open(options_for(path, clock));  // create the schema uncapped
  std::int64_t pages = 0;
  {
    raw_db raw(path);
    pages = raw.integer("PRAGMA page_count");
  }
  auto options = options_for(path, clock);
  options.max_page_count = pages + 4;  // room for a few intents only
  auto store = must_open(options);

  int stored = 0;
  result<claim_result> failed = claim_result{};
  payment_intent pi;
  for (int i = 0; i < 200 && failed; ++i) {
    pi = new_intent(tenant_a, "pi_full_" + std::to_string(i));
    pi.description.assign(1500, 'x');
    failed = store->claim(claim_create("full-" + std::to_string(i), pi));
    if (failed) ++stored;
  }
  REQUIRE_FALSE(failed.has_value());
  CHECK(outcome_of(failed) == name_of(errc::storage_full));
  CHECK(stored > 0);
  // The failed claim: no key, no intent, no audit entry. Reads still work.
  CHECK_FALSE(
      expect_ok(store->load_key(tenant_a, idempotency_key{"full-" + std::to_string(stored)}))
          .has_value());
  CHECK_FALSE(expect_ok(store->load(tenant_a, pi.id)).has_value());
  CHECK(expect_ok(store->audit_trail(tenant_a, pi.id)).empty());
  CHECK(must_load(*store, tenant_a, intent_id{"pi_full_0"}).version == 1);

  // With room again, the same request claims the key.
  store.reset();
  store = must_open(options_for(path, clock));
  CHECK(
      name_of(expect_ok(store->claim(claim_create("full-" + std::to_string(stored), pi))).status) ==
      name_of(claim_status::claimed));
}

// Tests run as root here, and root ignores permission bits: a chmod 0444
// file stays writable for it. So the test opens the file read-only through
// SQLite itself (the read_only option, and a "file:...?mode=ro" URI), which
// is what SQLite does on its own for a write-protected file: it opens it
// read-only and answers SQLITE_READONLY to every write.
TEST_CASE("sqlite: a read-only file is storage_read_only, and nothing is written") {
  temp_dir dir;
  const auto path = dir.file("ro.db");
  testing::manual_clock clock;
  const auto pi = new_intent(tenant_a, "pi_ro");
  payment_intent before;
  {
    auto store = must_open(options_for(path, clock));
    before = create_with_attempt(*store, pi, 1);
  }
  // A reader keeps the WAL files present, as a live writer process would.
  auto writer = must_open(options_for(path, clock));

  auto check_read_only = [&](sqlite_store& ro) {
    CHECK(must_load(ro, tenant_a, pi.id) == before);
    const auto fresh = new_intent(tenant_a, "pi_ro_new");
    CHECK(outcome_of(ro.claim(claim_create("ro-key", fresh))) == name_of(errc::storage_read_only));
    CHECK(outcome_of(ro.commit(outcome_write(before, 1, 1, attempt_state::authorized,
                                             before.version))) == name_of(errc::storage_read_only));
    CHECK(outcome_of(ro.purge_expired_keys(10)) == name_of(errc::storage_read_only));
    CHECK_FALSE(expect_ok(ro.load_key(tenant_a, idempotency_key{"ro-key"})).has_value());
    CHECK_FALSE(expect_ok(ro.load(tenant_a, fresh.id)).has_value());
  };
  SUBCASE("read_only option") {
    auto options = options_for(path, clock);
    options.read_only = true;
    check_read_only(*must_open(options));
  }
  SUBCASE("mode=ro URI") {
    check_read_only(*must_open(options_for("file:" + path + "?mode=ro", clock)));
  }
  // The writer sees exactly what was there before.
  CHECK(must_load(*writer, tenant_a, pi.id) == before);
  CHECK(audit_count(*writer, tenant_a, pi.id) == 2);
}

TEST_CASE("sqlite: a file that is not a database is storage_corrupt on open") {
  temp_dir dir;
  const auto path = dir.file("garbage.db");
  scribble(path, 0, 8192);
  testing::manual_clock clock;
  CHECK(outcome_of(sqlite_store::open(options_for(path, clock))) == name_of(errc::storage_corrupt));
}

TEST_CASE("sqlite: damaged table pages are storage_corrupt, never misread") {
  temp_dir dir;
  const auto path = dir.file("damaged.db");
  testing::manual_clock clock;
  const auto pi = new_intent(tenant_a, "pi_damaged");
  std::int64_t page_size = 0;
  {
    auto store = must_open(options_for(path, clock));
    create_with_attempt(*store, pi, 1);
  }  // the last close checkpoints the WAL into the file
  {
    raw_db raw(path);
    page_size = raw.integer("PRAGMA page_size");
    REQUIRE(raw.integer("PRAGMA wal_checkpoint(TRUNCATE)") == 0);
  }
  // Keep page 1 (header and schema); every table's pages follow it.
  scribble(path, page_size, static_cast<std::size_t>(page_size) * 8);
  auto store = must_open(options_for(path, clock));
  CHECK(outcome_of(store->load(tenant_a, pi.id)) == name_of(errc::storage_corrupt));
  CHECK(outcome_of(store->claim(claim_create("after-damage", new_intent(tenant_a, "pi_x")))) ==
        name_of(errc::storage_corrupt));
}

TEST_CASE("sqlite: a lock held past the busy limit is busy, and nothing is written") {
  temp_dir dir;
  const auto path = dir.file("locked.db");
  testing::manual_clock clock;
  auto options = options_for(path, clock);
  options.busy_timeout = std::chrono::milliseconds(20);
  options.max_retries = 2;
  options.retry_backoff = std::chrono::milliseconds(1);
  auto store = must_open(options);
  const auto pi = new_intent(tenant_a, "pi_locked");
  const auto before = create_stored(*store, pi);

  raw_db other(path);  // another process, as far as SQLite can tell
  REQUIRE(other.exec("BEGIN EXCLUSIVE") == SQLITE_OK);
  CHECK(outcome_of(store->claim(claim_create("locked-key", new_intent(tenant_a, "pi_new")))) ==
        name_of(errc::busy));
  auto update = create_write(before);
  update.expected_version = 1;
  CHECK(outcome_of(store->commit(update)) == name_of(errc::busy));
  CHECK(outcome_of(store->purge_expired_keys(10)) == name_of(errc::busy));
  // WAL: readers are not blocked by the writer's lock.
  CHECK(must_load(*store, tenant_a, pi.id) == before);
  REQUIRE(other.exec("ROLLBACK") == SQLITE_OK);

  CHECK_FALSE(expect_ok(store->load_key(tenant_a, idempotency_key{"locked-key"})).has_value());
  CHECK_FALSE(expect_ok(store->load(tenant_a, intent_id{"pi_new"})).has_value());
  CHECK(must_load(*store, tenant_a, pi.id) == before);
  // The lock gone, the same claim goes through.
  CHECK(name_of(expect_ok(store->claim(claim_create("locked-key", new_intent(tenant_a, "pi_new"))))
                    .status) == name_of(claim_status::claimed));
}

TEST_CASE("sqlite: a lock released within the busy timeout is waited for") {
  temp_dir dir;
  const auto path = dir.file("waits.db");
  testing::manual_clock clock;
  auto store = must_open(options_for(path, clock));  // default 5 s busy timeout
  raw_db other(path);
  REQUIRE(other.exec("BEGIN EXCLUSIVE") == SQLITE_OK);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    other.exec("COMMIT");
  });
  const auto r = store->claim(claim_create("waits", new_intent(tenant_a, "pi_waits")));
  release.join();
  CHECK(outcome_of(r) == "ok");
}
