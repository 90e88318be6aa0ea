// Group commit in the SQLite store (adapters/common/write_group.hpp): writes
// that queue while a transaction commits share the next one, each in its own
// savepoint. Groups are formed on purpose here: another connection holds the
// write lock while the writers queue behind the first of them, and the crash
// hook counts the members applied inside groups of two or more.
#include "raw_sqlite.hpp"
#include "sqlite_fixture.hpp"
#include "transaction.hpp"

#include "group_counter.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using namespace payintent::testing::conformance;
using namespace std::chrono_literals;
using payintent::sqlite_test::must_open;
using payintent::sqlite_test::options_for;
using payintent::sqlite_test::raw_db;
using payintent::sqlite_test::temp_dir;
using payintent::store_test::group_counter;

namespace {

// Holds the file's write lock from another connection until release(): the
// store's first writer waits in BEGIN IMMEDIATE (its busy timeout is 5 s) and
// everything written meanwhile queues behind it.
class lock_holder {
 public:
  explicit lock_holder(const std::string& path) : db_(path) {
    REQUIRE(db_.exec("BEGIN IMMEDIATE") == SQLITE_OK);
  }
  void release() { REQUIRE(db_.exec("ROLLBACK") == SQLITE_OK); }

 private:
  raw_db db_;
};

// The store's internals on a bare table t(x), for members that write and then
// fail in ways the store's own writes cannot be made to.
struct runner_fixture {
  explicit runner_fixture(const std::string& file)
      : path(file), pool(sqlite_detail::configured_opener(settings(file)), 4) {
    expect_ok(runner.run(sqlite_detail::tx_kind::none,
                         [](sqlite_detail::connection& c, std::int64_t) -> result<void> {
                           BOOST_OUTCOME_TRY(c.exec("PRAGMA journal_mode=WAL"));
                           return c.exec("CREATE TABLE t (x INTEGER)");
                         }));
  }
  static sqlite_detail::pool_settings settings(const std::string& file) {
    sqlite_detail::pool_settings s;
    s.path = file;
    return s;
  }

  // Inserts x, then answers `fail` (or succeeds when it is empty).
  result<int> insert(int x, std::optional<errc> fail = std::nullopt) {
    return runner.write([&](sqlite_detail::connection& c, std::int64_t) -> result<int> {
      BOOST_OUTCOME_TRY(auto stmt, c.prepare("INSERT INTO t (x) VALUES (?1)"));
      stmt.bind(1, std::int64_t{x});
      BOOST_OUTCOME_TRY(stmt.run());
      if (fail) return *fail;
      return x;
    });
  }

  std::set<int> rows() {
    raw_db db(path);
    std::set<int> out;
    const auto n = db.integer("SELECT COUNT(*) FROM t");
    for (std::int64_t i = 0; i < n; ++i) {
      out.insert(static_cast<int>(
          db.integer(fmt::format("SELECT x FROM t ORDER BY x LIMIT 1 OFFSET {}", i))));
    }
    return out;
  }

  std::string path;
  sqlite_detail::connection_pool pool;
  sqlite_detail::transaction_runner runner{pool, adapter_detail::retry_policy{},
                                           adapter_detail::group_limits{},
                                           [] { return std::int64_t{0}; }};
};

// A store on `path` with the test options, as `tweak` changes them.
std::unique_ptr<sqlite_store> open_tweaked(
    const std::string& path, testing::manual_clock& clock,
    const std::function<void(sqlite_store_options&)>& tweak) {
  auto options = options_for(path, clock);
  tweak(options);
  return must_open(options);
}

// Runs `first` on a thread, lets it reach BEGIN IMMEDIATE behind `lock`, then
// runs each of `rest` on a thread of its own (they queue as one group), and
// releases the lock once they have had time to queue.
void queue_behind_lock(lock_holder& lock, const std::function<void()>& first,
                       const std::vector<std::function<void()>>& rest) {
  std::thread leader(first);
  std::this_thread::sleep_for(100ms);
  std::vector<std::thread> followers;
  for (const auto& f : rest) followers.emplace_back(f);
  std::this_thread::sleep_for(300ms);
  lock.release();
  leader.join();
  for (auto& t : followers) t.join();
}

}  // namespace

TEST_CASE("sqlite group commit: a member that fails after writing rolls back alone") {
  temp_dir dir;
  runner_fixture f(dir.file("group.db"));
  group_counter grouped;
  lock_holder lock(f.path);
  result<int> leader = 0, ok_1 = 0, failed = 0, ok_2 = 0;
  queue_behind_lock(
      lock, [&] { leader = f.insert(1); },
      {[&] { ok_1 = f.insert(10); }, [&] { failed = f.insert(20, errc::version_conflict); },
       [&] { ok_2 = f.insert(30); }});
  CHECK(grouped.members() == 3);  // 10, 20 and 30 in one transaction
  CHECK(outcome_of(leader) == "ok");
  CHECK(outcome_of(ok_1) == "ok");
  CHECK(outcome_of(ok_2) == "ok");
  CHECK(outcome_of(failed) == name_of(errc::version_conflict));
  CHECK(f.rows() == std::set<int>{1, 10, 30});  // 20 was inserted, then rolled back
}

TEST_CASE("sqlite group commit: a transaction SQLite abandons fails every member, none written") {
  temp_dir dir;
  runner_fixture f(dir.file("abandoned.db"));
  lock_holder lock(f.path);
  result<int> leader = 0, other_1 = 0, abandons = 0, other_2 = 0;
  queue_behind_lock(
      lock, [&] { leader = f.insert(1); },
      {[&] { other_1 = f.insert(10); },
       [&] {
         // What SQLite does after SQLITE_FULL or SQLITE_IOERR: the whole
         // transaction is rolled back under the group's feet.
         abandons = f.runner.write([](sqlite_detail::connection& c, std::int64_t) -> result<int> {
           c.rollback();
           return errc::storage_full;
         });
       },
       [&] { other_2 = f.insert(30); }});
  CHECK(outcome_of(leader) == "ok");
  // Every member of the abandoned group answers its error: those that ran
  // before it lost their writes with the transaction, and those after it
  // never ran, so none may say ok.
  CHECK(outcome_of(abandons) == name_of(errc::storage_full));
  CHECK(outcome_of(other_1) == name_of(errc::storage_full));
  CHECK(outcome_of(other_2) == name_of(errc::storage_full));
  CHECK(f.rows() == std::set<int>{1});
}

TEST_CASE("sqlite group commit: queued claims and commits each get their own answer") {
  temp_dir dir;
  const auto path = dir.file("store.db");
  testing::manual_clock clock;
  auto store = must_open(options_for(path, clock));
  const auto existing = create_stored(*store, new_intent(tenant_a, "pi_existing"));
  group_counter grouped;
  lock_holder lock(path);

  constexpr int fresh = 12;
  std::vector<result<claim_result>> claims(fresh, errc::store_unavailable);
  result<claim_result> replay = errc::store_unavailable, mismatch = errc::store_unavailable;
  result<write_receipt> stale = errc::store_unavailable, current = errc::store_unavailable;
  std::vector<std::function<void()>> rest;
  for (int i = 1; i < fresh; ++i) {
    rest.emplace_back([&, i] {
      claims[i] = store->claim(claim_create(fmt::format("fresh-{}", i),
                                            new_intent(tenant_a, fmt::format("pi_fresh_{}", i))));
    });
  }
  // The key that created `existing`, with its fingerprint and with another.
  rest.emplace_back([&] {
    replay = store->claim(claim_create("create-pi_existing", new_intent(tenant_a, "pi_other_1")));
  });
  rest.emplace_back([&] {
    mismatch = store->claim(
        claim_create("create-pi_existing", new_intent(tenant_a, "pi_other_2"), fingerprint_2));
  });
  // A commit from a version already gone, and one from the current version.
  rest.emplace_back([&] {
    auto w = start_attempt_write(existing, 1, 1);
    w.expected_version = existing.version - 1;
    stale = store->commit(w);
  });
  rest.emplace_back([&] { current = store->commit(start_attempt_write(existing, 1, 1)); });
  queue_behind_lock(
      lock,
      [&] {
        claims[0] = store->claim(claim_create("fresh-0", new_intent(tenant_a, "pi_fresh_0")));
      },
      rest);

  CHECK(grouped.members() == static_cast<int>(rest.size()));
  for (int i = 0; i < fresh; ++i) {
    INFO("fresh-" << i);
    REQUIRE(claims[i].has_value());
    CHECK(claims[i].value().status == claim_status::claimed);
    CHECK(must_load(*store, tenant_a, intent_id{fmt::format("pi_fresh_{}", i)}).version == 1);
  }
  REQUIRE(replay.has_value());
  CHECK(replay.value().status == claim_status::replay);
  REQUIRE(mismatch.has_value());
  CHECK(mismatch.value().status == claim_status::mismatch);
  CHECK_FALSE(expect_ok(store->load(tenant_a, intent_id{"pi_other_1"})).has_value());
  CHECK_FALSE(expect_ok(store->load(tenant_a, intent_id{"pi_other_2"})).has_value());
  CHECK(outcome_of(stale) == name_of(errc::version_conflict));
  CHECK(outcome_of(current) == "ok");
  const auto after = must_load(*store, tenant_a, existing.id);
  CHECK(after.version == existing.version + 1);
  CHECK(after.attempts.size() == 1);
  CHECK(audit_count(*store, tenant_a, existing.id) == 2);  // created, then one attempt
}

TEST_CASE("sqlite group commit: max_group_size 1 commits every write alone") {
  temp_dir dir;
  const auto path = dir.file("alone.db");
  testing::manual_clock clock;
  auto store = open_tweaked(path, clock, [](auto& o) { o.max_group_size = 1; });
  group_counter grouped;
  lock_holder lock(path);
  std::vector<std::function<void()>> rest;
  std::atomic<int> claimed{0};
  auto claim = [&](int i) {
    auto r = store->claim(
        claim_create(fmt::format("k-{}", i), new_intent(tenant_a, fmt::format("pi_{}", i))));
    if (r && r.value().status == claim_status::claimed) ++claimed;
  };
  for (int i = 1; i < 6; ++i) rest.emplace_back([&, i] { claim(i); });
  queue_behind_lock(
      lock, [&] { claim(0); }, rest);
  CHECK(claimed == 6);
  CHECK(grouped.members() == 0);
}

TEST_CASE("sqlite group commit: an idle store never waits for company") {
  temp_dir dir;
  testing::manual_clock clock;
  auto store = open_tweaked(dir.file("idle.db"), clock,
                            [](auto& o) { o.max_group_wait = std::chrono::seconds(30); });
  // One writer at a time: every group has one member, so none waits. Were it
  // to wait, these five claims would take 150 s, not milliseconds.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    CHECK(expect_ok(store->claim(claim_create(fmt::format("idle-{}", i),
                                              new_intent(tenant_a, fmt::format("pi_idle_{}", i)))))
              .status == claim_status::claimed);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("sqlite group commit: reads on a pool of one are not starved by the writer") {
  temp_dir dir;
  testing::manual_clock clock;
  auto store = open_tweaked(dir.file("pool-one.db"), clock, [](auto& o) { o.pool_size = 1; });
  const auto created = create_stored(*store, new_intent(tenant_a, "pi_pool_one"));
  CHECK(must_load(*store, tenant_a, created.id).version == created.version);
  CHECK(outcome_of(store->commit(start_attempt_write(created, 1, 1))) == "ok");
  CHECK(must_load(*store, tenant_a, created.id).attempts.size() == 1);
}

TEST_CASE(
    "sqlite group commit: a busy store's leader waits for company, and no longer than needed") {
  temp_dir dir;
  const auto path = dir.file("company.db");
  testing::manual_clock clock;
  auto store = open_tweaked(path, clock, [](auto& o) {
    o.max_group_size = 4;
    o.max_group_wait = std::chrono::seconds(30);
  });
  auto claim = [&](const std::string& name) {
    return expect_ok(store->claim(claim_create(name, new_intent(tenant_a, "pi_" + name)))).status;
  };
  {
    // busy_0 alone, then busy_1 and busy_2 as a group of two: the store is
    // now busy, so the next leader waits for company.
    lock_holder lock(path);
    queue_behind_lock(lock, [&] { claim("busy_0"); },
                      {[&] { claim("busy_1"); }, [&] { claim("busy_2"); }});
  }
  group_counter grouped;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> writers;
  std::atomic<int> claimed{0};
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&, i] {
      std::this_thread::sleep_for(i * 50ms);  // the first leads, the rest arrive while it waits
      if (claim(fmt::format("company_{}", i)) == claim_status::claimed) ++claimed;
    });
  }
  for (auto& t : writers) t.join();
  CHECK(claimed == 4);
  // The leader waited for the other three and all four committed together;
  // a full queue ended its wait, so it did not sit out the 30 s.
  CHECK(grouped.members() == 4);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}
