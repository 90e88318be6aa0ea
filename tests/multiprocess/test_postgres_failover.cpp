// Failover under load: a pg_auto_failover formation (scripts/pg_failover: a
// monitor, a primary, a standby, all on loopback) whose primary is SIGKILLed
// with its keeper (a machine lost) while retry_storm's processes and
// in-process witness clients charge through a multi-host conninfo with
// target_session_attrs=read-write. The monitor promotes the standby; the
// stores find it by themselves. The cases run in order on one formation:
// first with synchronous replication (nothing acknowledged may be lost),
// then the killed node rejoins as an asynchronous standby and the new
// primary is killed in turn (what is lost there is printed, not promised).
// Needs PAYINTENT_FAILOVER_PG and PAYINTENT_FAILOVER_DIR: run it through
// `scripts/pg_failover run` (ctest postgres_failover_test does).
#include "multiprocess/recover_storm.hpp"
#include "multiprocess/run_storm.hpp"
#include "postgres_fixture.hpp"
#include "sqlite/sqlite_fixture.hpp"

#include <payintent/payment_service.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using payintent::postgres_test::raw_pg;
using payintent::storm_test::run_storm;
using clock_type = std::chrono::steady_clock;

namespace {

std::string formation_dir() {
  return postgres_test::required_env("PAYINTENT_FAILOVER_DIR",
                                     "Run this test through scripts/pg_failover run.");
}

// The formation's multi-host conninfo, in database `db`.
std::string formation_conninfo(const std::string& db = "postgres") {
  const auto conninfo = postgres_test::required_env(
      "PAYINTENT_FAILOVER_PG", "Run this test through scripts/pg_failover run.");
  return conninfo + " dbname=" + db + " connect_timeout=2";
}

// Creates database `db` through the primary and waits until every node has
// it: libpq tries the next host after a standby that is not read-write, but
// not after one that refuses the database.
std::string fresh_database(const std::string& db) {
  REQUIRE(raw_pg(formation_conninfo()).exec("CREATE DATABASE " + db));
  const auto conninfo = formation_conninfo(db);
  for (int i = 0; i < 100; ++i) {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    const bool ok = PQstatus(conn) == CONNECTION_OK;
    PQfinish(conn);
    if (ok) return conninfo;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("database " << db << " never reached every node");
  return conninfo;
}

std::set<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::set<std::string> out;
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

std::string run_script(const std::string& args) {
  const auto command = std::string(PAYINTENT_PG_FAILOVER_SCRIPT) + " " + args;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[256];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  REQUIRE_MESSAGE(::pclose(pipe) == 0, command << " failed: " << out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct acknowledged {
  std::string intent;
  intent_status status;
};

// What one kill of the primary under load left behind.
struct failover_run {
  std::map<std::string, acknowledged> witnessed;  // key -> the answer
  int retryable_errors = 0;
  int unfinished = 0;  // answered, but not succeeded (processing: recovery finishes it)
  int other_errors = 0;
  std::string other_error;      // the first one
  double first_success_s = -1;  // from the kill to the first charge that succeeded
  std::string killed;
};

// Kills the primary once the storm and the witnesses are under way, and
// charges on until the new primary has answered for a second.
failover_run storm_through_failover(const std::string& conninfo, const std::string& journal) {
  failover_run out;
  std::mutex mutex;
  std::atomic<bool> storm_done{false}, killed{false};
  std::atomic<int> acknowledged_before{0};
  clock_type::time_point kill_at;                                  // written before `killed`
  clock_type::time_point back_at = clock_type::time_point::max();  // under `mutex`

  std::thread killer([&] {
    raw_pg watch(conninfo);
    for (int i = 0; i < 400; ++i) {
      if (acknowledged_before >= 10 &&
          std::atoll(watch.text("SELECT count(*) FROM idempotency_keys").c_str()) >= 100) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    out.killed = run_script("kill-primary '" + formation_dir() + "'");
    kill_at = clock_type::now();  // the SIGKILL is the script's last step
    killed = true;
  });

  postgres_store_options o;
  o.conninfo = conninfo;
  o.connect_timeout = std::chrono::seconds(2);
  auto store = postgres_test::must_open(o);
  testing::fake_card_network network({.journal_path = journal});
  std::vector<std::thread> witnesses;
  for (int w = 0; w < 2; ++w) {
    witnesses.emplace_back([&, w] {
      service_options so;
      so.node_id = "witness-" + std::to_string(w);
      payment_service payments(*store, network, so);
      const charge_params order{.amount = 500, .currency = "EUR", .payment_method = "pm_card_visa"};
      // Until the storm is over and the new primary has answered for a
      // second (or, should it never answer, 60 s after the kill).
      for (int n = 0;; ++n) {
        const bool after_kill = killed;
        {
          const std::lock_guard lock(mutex);
          const auto now = clock_type::now();
          if (after_kill && ((storm_done && back_at != clock_type::time_point::max() &&
                              now > back_at + std::chrono::seconds(1)) ||
                             now > kill_at + std::chrono::seconds(60))) {
            return;
          }
        }
        const auto key = "witness-" + std::to_string(w) + "-" + std::to_string(n);
        const auto r = payments.charge("witness", key, order);
        const std::lock_guard lock(mutex);
        if (r) {
          out.witnessed[key] = {r.value().intent.id.str(), r.value().intent.status};
          if (!after_kill) ++acknowledged_before;
          const bool succeeded = r.value().intent.status == intent_status::succeeded;
          if (!succeeded) ++out.unfinished;
          // The first charge sent after the kill that succeeded.
          if (succeeded && after_kill && back_at == clock_type::time_point::max()) {
            back_at = clock_type::now();
            out.first_success_s = std::chrono::duration<double>(back_at - kill_at).count();
          }
        } else if (is_retryable(r.error())) {
          ++out.retryable_errors;
        } else if (out.other_errors++ == 0) {
          out.other_error = r.error().message();
        }
        // About 100 charges a second each: enough to time the switch to
        // the tens of milliseconds, and not a storm of its own.
        std::this_thread::sleep_for(std::chrono::milliseconds(r ? 10 : 20));
      }
    });
  }
  // Three app servers of two threads, each sending every key: the keys one
  // of them could not charge during the switch are charged by the others.
  const auto run = run_storm({"--store", "postgres:" + conninfo, "--journal", journal, "--tenant",
                              "storm", "--processes", "3", "--threads", "2", "--keys", "400",
                              "--network-latency-ms", "0-2", "--wait-budget-ms", "2000"});
  storm_done = true;
  killer.join();
  for (auto& t : witnesses) t.join();
  CHECK(run.exit_code >= 0);  // the storm's processes exited, none hung or died
  return out;
}

// Acknowledged witness charges not in the store as they were answered.
int lost_acknowledged(const std::string& conninfo, const failover_run& run) {
  postgres_store_options o;
  o.conninfo = conninfo;
  auto store = postgres_test::must_open(o);
  int lost = 0;
  for (const auto& [key, answer] : run.witnessed) {
    const auto record = store->load_key(tenant_id{"witness"}, idempotency_key{key});
    const auto intent = store->load(tenant_id{"witness"}, intent_id{answer.intent});
    if (!record || !record.value() || record.value()->result.intent.str() != answer.intent ||
        !intent || !intent.value() ||
        (answer.status == intent_status::succeeded &&
         intent.value()->status != intent_status::succeeded)) {
      ++lost;
    }
  }
  return lost;
}

// What the card network's journal says against the store.
struct journal_check {
  int twice = 0;       // references authorized more than once
  int unrecorded = 0;  // authorized, but not as an authorized attempt in the store
};

journal_check check_journal(const std::string& conninfo, const std::string& journal) {
  raw_pg db(conninfo);
  const auto stored =
      words(db.text("SELECT string_agg(reference, ' ') FROM attempts WHERE state = 2"));
  journal_check out;
  for (const auto& [reference, count] : testing::read_journal_authorizations(journal)) {
    if (count != 1) ++out.twice;
    if (!stored.contains(reference)) ++out.unrecorded;
  }
  return out;
}

}  // namespace

TEST_CASE("failover: synchronous standby, primary SIGKILLed mid-storm, nothing acknowledged lost") {
  sqlite_test::temp_dir tmp;
  const auto journal = tmp.file("storm.journal");
  const auto conninfo = fresh_database("sync_failover");
  {
    raw_pg primary(conninfo);
    REQUIRE(primary.text("SHOW synchronous_standby_names").starts_with("ANY 1"));
    REQUIRE(primary.text("SHOW synchronous_commit") == "on");
  }
  const auto old_port = raw_pg(conninfo).text("SELECT inet_server_port()");

  const auto run = storm_through_failover(conninfo, journal);
  std::printf(
      "synchronous failover: killed %s; first success %.2f s after the kill; witnesses: %zu "
      "answered (%d not yet succeeded), %d retryable errors, %d other errors %s\n",
      run.killed.c_str(), run.first_success_s, run.witnessed.size(), run.unfinished,
      run.retryable_errors, run.other_errors, run.other_error.c_str());
  CHECK(raw_pg(conninfo).text("SELECT inet_server_port()") != old_port);  // the standby took over
  CHECK(run.retryable_errors > 0);  // the witnesses charged through the switch
  CHECK(run.other_errors == 0);     // and heard success or "retry", nothing else
  CHECK(run.first_success_s > 0);

  storm_test::recover_storm(conninfo, journal);
  const auto money = check_journal(conninfo, journal);
  CHECK(money.twice == 0);
  CHECK(money.unrecorded == 0);
  raw_pg db(conninfo);
  CHECK(db.integer("SELECT count(*) FROM (SELECT 1 FROM attempts WHERE state = 2 "
                   "GROUP BY tenant, intent_id HAVING count(*) > 1) AS twice") == 0);
  CHECK(db.integer("SELECT count(*) FROM idempotency_keys WHERE tenant = 'storm'") == 400);
  CHECK(lost_acknowledged(conninfo, run) == 0);
}

TEST_CASE("failover: asynchronous standby, what a SIGKILLed primary takes with it") {
  const auto dir = formation_dir();
  // The node the first case killed comes back as an asynchronous standby.
  run_script("rejoin '" + dir + "' node1 --async");
  sqlite_test::temp_dir tmp;
  const auto journal = tmp.file("storm.journal");
  const auto conninfo = fresh_database("async_failover");
  REQUIRE(raw_pg(conninfo).text("SHOW synchronous_standby_names").empty());

  const auto run = storm_through_failover(conninfo, journal);
  storm_test::recover_storm(conninfo, journal);
  const auto money = check_journal(conninfo, journal);
  const auto lost = lost_acknowledged(conninfo, run);
  std::printf(
      "asynchronous failover: killed %s; first success %.2f s after the kill; %d of %zu "
      "acknowledged witness charges lost; %d authorizations in the journal without an "
      "authorized attempt, %d references authorized twice; %d other errors\n",
      run.killed.c_str(), run.first_success_s, lost, run.witnessed.size(), money.unrecorded,
      money.twice, run.other_errors);
  CHECK(run.first_success_s > 0);
  CHECK(run.other_errors == 0);
}
