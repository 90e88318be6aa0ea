// A PostgreSQL crash in the middle of a retry_storm load: the server is
// stopped with `pg_ctl -m immediate` (a crash: no shutdown checkpoint, open
// transactions lost), kept down for 7 s and started again (scripts/pg_cluster
// restart-immediate) while retry_storm's processes and an in-process witness
// client charge against it. The outage outlasts the engine's retries of an
// outcome write (about 5 s), so some attempts are left open for recovery.
// Afterwards every charge that was acknowledged is in the database as it was
// answered, no reference was authorized twice, and recovery resolves every
// attempt the crash left open. Needs PAYINTENT_TEST_PG and
// PAYINTENT_PG_CLUSTER (set by ./scripts/test); runs alone (RUN_SERIAL), as it
// takes the shared server down.
#include "multiprocess/recover_storm.hpp"
#include "multiprocess/run_storm.hpp"
#include "postgres_fixture.hpp"
#include "sqlite/sqlite_fixture.hpp"

#include <payintent/payment_service.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace payintent;
using payintent::postgres_test::raw_pg;
using payintent::storm_test::run_storm;

namespace {

struct acknowledged {
  std::string intent;
  intent_status status;
};

std::string cluster_dir() {
  return postgres_test::required_env(
      "PAYINTENT_PG_CLUSTER",
      "This test restarts the server, so it needs one started by scripts/pg_cluster "
      "(./scripts/test does that).");
}

std::set<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::set<std::string> out;
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

}  // namespace

TEST_CASE("postgres: pg_ctl restart -m immediate mid-storm loses no acknowledged charge") {
  const auto dir = cluster_dir();
  sqlite_test::temp_dir tmp;
  const auto journal = tmp.file("storm.journal");
  const auto conninfo = postgres_test::test_database::get().fresh_schema();
  const auto server_started = raw_pg(conninfo).text("SELECT pg_postmaster_start_time()");

  std::atomic<bool> storm_done{false};
  std::atomic<bool> restarted{false};
  std::atomic<int> restart_rc{-1};
  std::atomic<int> witness_errors{0};
  std::atomic<int> witness_acknowledged{0};       // before the crash, read by the restarter
  std::map<std::string, acknowledged> witnessed;  // key -> answer; the witness thread's own

  // The restarter waits until the storm has written a few hundred keys and
  // the witness has been answered a few times, so both are caught by the
  // crash whichever is faster on the machine at hand (on a fast one the
  // storm writes its 300 keys before the witness has opened its store).
  std::thread restarter([&] {
    raw_pg watch(conninfo);
    for (int i = 0; i < 600; ++i) {
      if (witness_acknowledged >= 20 && watch.exec("SELECT 1 FROM payintent_schema") &&
          std::atoll(watch.text("SELECT count(*) FROM idempotency_keys").c_str()) >= 300) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto command =
        std::string(PAYINTENT_PG_CLUSTER_SCRIPT) + " restart-immediate '" + dir + "' 7";
    restart_rc = std::system(command.c_str());
    restarted = true;
  });
  // The witness charges its own keys through the crash, one at a time,
  // remembering what it was told. It shares the storm's journal (the one
  // card network), so retry_storm's own verdict, which knows only the storm's
  // intents, complains about the witness's money and is not used: this test
  // recounts everything itself.
  std::thread witness([&] {
    // retry_storm truncates the journal before its processes create the
    // schema, so the witness starts once the schema is there.
    raw_pg watch(conninfo);
    for (int i = 0; i < 600 && !watch.exec("SELECT 1 FROM payintent_schema"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    postgres_store_options o;
    o.conninfo = conninfo;
    o.connect_timeout = std::chrono::seconds(2);
    auto store = postgres_store::open(o);
    if (!store) {
      ++witness_errors;  // the restarter then gives up waiting; the checks below fail
      return;
    }
    testing::fake_card_network network({.journal_path = journal});
    service_options so;
    so.node_id = "witness";
    payment_service payments(*store.value(), network, so);
    const charge_params order{.amount = 500, .currency = "EUR", .payment_method = "pm_card_visa"};
    // Until the storm is over and the server has been back for a second.
    auto back_since = std::chrono::steady_clock::time_point::max();
    for (int n = 0; !(storm_done && restarted && std::chrono::steady_clock::now() > back_since);
         ++n) {
      if (restarted && back_since == std::chrono::steady_clock::time_point::max()) {
        back_since = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      }
      const auto key = "witness-" + std::to_string(n);
      const auto r = payments.charge("witness", key, order);
      if (r) {
        witnessed[key] = {r.value().intent.id.str(), r.value().intent.status};
        if (!restarted) ++witness_acknowledged;
      } else {
        ++witness_errors;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });

  const auto run = run_storm({"--store", "postgres:" + conninfo, "--journal", journal, "--tenant",
                              "storm", "--processes", "4", "--threads", "4", "--keys", "2000",
                              "--network-latency-ms", "0-2", "--wait-budget-ms", "2000"});
  storm_done = true;  // the storm may end during the outage: its charges then fail fast
  restarter.join();
  witness.join();

  // The crash happened, during the load.
  REQUIRE(restart_rc == 0);
  raw_pg db(conninfo);
  CHECK(db.text("SELECT pg_postmaster_start_time()") != server_started);
  CHECK(run.exit_code >= 0);  // the storm's processes exited, none hung or died
  MESSAGE("witness errors: " << witness_errors.load()
                             << ", witness acknowledged: " << witnessed.size());
  CHECK(witness_errors.load() > 0);  // it charged through the outage
  CHECK(witnessed.size() > 0);

  const auto open_attempts = db.integer("SELECT count(*) FROM attempts WHERE state IN (1, 5, 6)");
  MESSAGE("attempts the crash left open: " << open_attempts);
  const auto store = storm_test::recover_storm(conninfo, journal);

  // No reference authorized twice, and money moved exactly where the store
  // says an attempt was authorized.
  const auto per_reference = testing::read_journal_authorizations(journal);
  std::set<std::string> journalled;
  for (const auto& entry : per_reference) {
    CHECK_MESSAGE(entry.second == 1, entry.first << " authorized " << entry.second << " times");
    journalled.insert(entry.first);
  }
  CHECK(journalled ==
        words(db.text("SELECT string_agg(reference, ' ') FROM attempts WHERE state = 2")));
  CHECK(db.integer("SELECT count(*) FROM (SELECT 1 FROM attempts WHERE state = 2 "
                   "GROUP BY tenant, intent_id HAVING count(*) > 1) AS twice") == 0);
  CHECK(db.integer("SELECT count(*) FROM intents WHERE status = 4") ==
        static_cast<std::int64_t>(journalled.size()));  // succeeded

  // Every acknowledged charge is there, as it was answered.
  int missing = 0, changed = 0;
  for (const auto& [key, answer] : witnessed) {
    const auto record = store->load_key(tenant_id{"witness"}, idempotency_key{key});
    if (!record || !record.value() || record.value()->result.intent.str() != answer.intent) {
      ++missing;
      continue;
    }
    const auto intent = store->load(tenant_id{"witness"}, intent_id{answer.intent});
    if (!intent || !intent.value()) {
      ++missing;
    } else if (answer.status == intent_status::succeeded &&
               intent.value()->status != intent_status::succeeded) {
      ++changed;
    }
  }
  CHECK(missing == 0);
  CHECK(changed == 0);
}
