// retry_storm under test: processes x threads retry the same charges against
// one shared store and a non-idempotent network. Each case checks the tool's
// JSON, then recounts from the journal and the store's tables without
// trusting it. Built twice: on an SQLite file (retry_storm_test) and, with
// PAYINTENT_STORM_ON_POSTGRES, on a PostgreSQL schema of its own
// (retry_storm_postgres_test, the server named by PAYINTENT_TEST_PG).
#include "multiprocess/run_storm.hpp"
#include "sqlite/sqlite_fixture.hpp"
#ifdef PAYINTENT_STORM_ON_POSTGRES
#include "support/postgres_fixture.hpp"
#else
#include "sqlite/raw_sqlite.hpp"
#endif

#include <payintent/testing/fake_card_network.hpp>

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using payintent::sqlite_test::temp_dir;
using payintent::storm_test::run_storm;
using payintent::storm_test::storm_run;

namespace {

#ifdef PAYINTENT_STORM_ON_POSTGRES
// A fresh schema of this executable's database.
struct storm_store {
  explicit storm_store(const temp_dir&) {}
  std::string conninfo = payintent::postgres_test::test_database::get().fresh_schema();
  std::string spec() const {
    return (payintent::postgres_test::test_database::pooled() ? "postgres-pooled:" : "postgres:") +
           conninfo;
  }
  payintent::postgres_test::raw_pg probe() const {
    return payintent::postgres_test::raw_pg(conninfo);
  }
  static constexpr const char* all_references = "string_agg(reference, ' ')";
};
#else
// A file in the test's temporary directory.
struct storm_store {
  explicit storm_store(const temp_dir& dir) : path(dir.file("storm.db")) {}
  std::string path;
  std::string spec() const { return "sqlite:" + path; }
  payintent::sqlite_test::raw_db probe() const { return payintent::sqlite_test::raw_db(path); }
  static constexpr const char* all_references = "group_concat(reference, ' ')";
};
#endif

std::vector<std::string> storm_args(const storm_store& store, const std::string& journal,
                                    std::vector<std::string> more) {
  std::vector<std::string> args{"--store", store.spec(), "--journal",
                                journal,   "--tenant",   "storm-test"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> journal_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The references of the authorized attempts in the store (state 2 = authorized).
template <class Probe>
std::set<std::string> authorized_references(Probe& db) {
  std::istringstream all(db.text(std::string("SELECT ") + storm_store::all_references +
                                 " FROM attempts WHERE state = 2"));
  std::set<std::string> refs;
  for (std::string r; all >> r;) refs.insert(r);
  return refs;
}

// What every storm must leave behind: `keys` keys, each with one intent that
// succeeded with one attempt, and one journal line per intent.
void check_exactly_once(const storm_store& store, const std::string& journal, int keys) {
  auto db = store.probe();
  CHECK(db.integer("SELECT count(*) FROM idempotency_keys") == keys);
  CHECK(db.integer("SELECT count(DISTINCT result_intent) FROM idempotency_keys") == keys);
  CHECK(db.integer("SELECT count(*) FROM intents") == keys);
  CHECK(db.integer("SELECT count(*) FROM intents WHERE status = 4") == keys);  // succeeded
  CHECK(db.integer("SELECT count(*) FROM attempts") == keys);  // no key started a second one
  // Every key points at an intent that exists.
  CHECK(db.integer("SELECT count(*) FROM idempotency_keys k JOIN intents i "
                   "ON i.tenant = k.tenant AND i.id = k.result_intent") == keys);

  const auto per_reference = payintent::testing::read_journal_authorizations(journal);
  CHECK(per_reference.size() == static_cast<std::size_t>(keys));
  std::set<std::string> journalled;
  std::vector<std::string> twice;
  for (const auto& [reference, count] : per_reference) {
    if (count != 1) twice.push_back(reference + " x" + std::to_string(count));
    journalled.insert(reference);
  }
  CHECK_MESSAGE(twice.empty(), "authorized more than once: " << (twice.empty() ? "" : twice[0]));
  CHECK(journalled == authorized_references(db));
  // Nothing else moved or was reversed.
  const auto lines = journal_lines(journal);
  CHECK(lines.size() == static_cast<std::size_t>(keys));
  const auto odd = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return !line.starts_with("authorize ") || !line.ends_with(" 1999 EUR");
  });
  CHECK_MESSAGE(odd == lines.end(),
                "unexpected journal line: " << (odd == lines.end() ? "" : *odd));
}

}  // namespace

TEST_CASE("storm: 8 processes x 8 threads on one key authorize it once") {
  temp_dir dir;
  const storm_store db(dir);
  const auto journal = dir.file("storm.journal");
  const auto run = run_storm(storm_args(
      db, journal,
      {"--processes", "8", "--threads", "8", "--keys", "1", "--network-latency-ms", "20-80"}));
  CHECK(run.exit_code == 0);
  REQUIRE_FALSE(run.summary.empty());
  CHECK(run["requests"] == 64);
  CHECK(run["distinct_keys"] == 1);
  CHECK(run["intents"] == 1);
  CHECK(run["authorizations"] == 1);
  CHECK(run["succeeded"] == 1);
  CHECK(run["failed"] == 0);
  CHECK(run["errors"] == 0);
  // One request claimed the key; every other one replayed it or found it in use.
  CHECK(run["replayed"] + run["in_use"] == 63);
  check_exactly_once(db, journal, 1);
}

TEST_CASE("storm: 8 processes x 500 keys each lose none and authorize each once") {
  temp_dir dir;
  const storm_store db(dir);
  const auto journal = dir.file("storm.journal");
  // 4,000 keys over 8 single-thread processes: each starts on its own 500 keys
  // and then retries the other processes' 3,500.
  const auto run = run_storm(storm_args(
      db, journal,
      {"--processes", "8", "--threads", "1", "--keys", "4000", "--network-latency-ms", "0-2"}));
  CHECK(run.exit_code == 0);
  REQUIRE_FALSE(run.summary.empty());
  CHECK(run["requests"] == 32000);
  CHECK(run["distinct_keys"] == 4000);
  CHECK(run["intents"] == 4000);
  CHECK(run["authorizations"] == 4000);
  CHECK(run["succeeded"] == 4000);
  CHECK(run["failed"] == 0);
  CHECK(run["errors"] == 0);
  CHECK(run["replayed"] + run["in_use"] == 32000 - 4000);
  check_exactly_once(db, journal, 4000);
}

#ifdef PAYINTENT_RETRY_STORM_NEXT
// A rolling upgrade: app servers of version N charge while servers of
// version N+1 (the store with one more additive migration) start beside
// them, migrate the schema under N's load, replay N's keys and charge new
// ones; then version N starts again (a deploy rolled back) and replays
// everything N+1 wrote. No request of any may end in an error, and every key
// is charged once across all (their journals together).
TEST_CASE("storm: versions N and N+1 side by side through a migration, no error, each key once") {
  temp_dir dir;
  const storm_store db(dir);
  const auto old_journal = dir.file("n.journal"), new_journal = dir.file("n1.journal"),
             back_journal = dir.file("n-again.journal");
  auto load = [](int keys) {
    return std::vector<std::string>{
        "--processes",          "2",  "--threads", "2", "--keys", std::to_string(keys),
        "--network-latency-ms", "0-2"};
  };
  std::atomic<bool> old_done{false};
  storm_run old_run;
  std::thread old_servers([&] {
    old_run = run_storm(storm_args(db, old_journal, load(300)));
    old_done = true;
  });
  auto probe = db.probe();
  for (int i = 0; i < 400 && !(probe.exec("SELECT 1 FROM idempotency_keys") &&
                               probe.integer("SELECT count(*) FROM idempotency_keys") >= 50);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool overlapped = !old_done;  // N+1 migrates while N is under load
  const auto new_run =
      run_storm(storm_args(db, new_journal, load(600)), PAYINTENT_RETRY_STORM_NEXT);
  old_servers.join();
  const auto back_run = run_storm(storm_args(db, back_journal, load(600)));
  CHECK(overlapped);
  const std::initializer_list<std::pair<const storm_run*, int>> runs{
      {&old_run, 300}, {&new_run, 600}, {&back_run, 600}};
  for (const auto& [run, keys] : runs) {
    REQUIRE_FALSE(run->summary.empty());
    CHECK((*run)["errors"] == 0);
    CHECK((*run)["failed"] == 0);
    CHECK((*run)["succeeded"] == keys);
  }
  CHECK(new_run["authorizations"] >= 300);  // N+1 charged keys of its own
  CHECK(back_run["authorizations"] == 0);   // N found every one N+1 wrote
  CHECK(probe.integer("SELECT max(version) FROM payintent_schema") ==
        payintent::postgres_store::schema_version + 1);
  CHECK(probe.integer("SELECT count(*) FROM intents WHERE upgrade_note = ''") == 600);
  // The journals as one card network.
  const auto all = dir.file("all.journal");
  {
    std::ofstream out(all);
    for (const auto& path : {old_journal, new_journal, back_journal}) {
      for (const auto& line : journal_lines(path)) out << line << '\n';
    }
  }
  check_exactly_once(db, all, 600);
}
#endif

#ifndef PAYINTENT_STORM_ON_POSTGRES
TEST_CASE("storm: a memory store runs in one process only") {
  temp_dir dir;
  const auto journal = dir.file("storm.journal");
  SUBCASE("several processes are refused as a usage error") {
    const auto run = run_storm({"--store", "memory", "--processes", "2", "--threads", "1", "--keys",
                                "1", "--network-latency-ms", "0-0", "--journal", journal});
    CHECK(run.exit_code == 2);
    CHECK(run.summary.empty());
  }
  SUBCASE("one process with threads storms in-process") {
    const auto run = run_storm({"--store", "memory", "--processes", "1", "--threads", "4", "--keys",
                                "50", "--network-latency-ms", "0-1", "--journal", journal});
    CHECK(run.exit_code == 0);
    REQUIRE_FALSE(run.summary.empty());
    CHECK(run["requests"] == 200);
    CHECK(run["authorizations"] == 50);
    CHECK(run["succeeded"] == 50);
    const auto per_reference = payintent::testing::read_journal_authorizations(journal);
    CHECK(per_reference.size() == 50);
    for (const auto& [reference, count] : per_reference) CHECK(count == 1);
  }
}
#endif
