// payintent-admin as an operator runs it, on a SQLite file and on a
// PostgreSQL schema: this process seeds the store through the library (a
// succeeded charge, one recovery handed to review, an unknown outcome, a
// live lease, a key past retention), then runs the binaries and reads their
// exit codes, JSON and tables. The tampered audit row is edited with the
// sqlite3 and psql shells, as an attacker with database access would.
#include "payintent/admin.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/sqlite_store.hpp"
#include "payintent/testing/conformance/fixtures.hpp"
#include "payintent/testing/fake_card_network.hpp"
#ifdef PAYINTENT_ADMIN_POSTGRES
#include "postgres_fixture.hpp"
#endif

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct ran {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `program` with `args`, stdout and stderr captured.
ran run(const std::string& program, const std::vector<std::string>& args) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string out = (dir / ("admin_out_" + std::to_string(::getpid()))).string();
  const std::string err = out + ".err";
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 1);
    ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 2);
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ran r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// Runs `sql` in the sqlite3 or psql shell on `target`.
int shell(const std::string& program, const std::string& target, const std::string& sql) {
  if (program.ends_with("psql"))
    return run(program, {"-v", "ON_ERROR_STOP=1", "-c", sql, target}).code;
  return run(program, {target, sql}).code;
}

// One store as the binaries reach it and the test seeds it.
struct fixture {
  std::string spec;                          // --store
  std::string read_only_spec;                // the same store, refusing writes
  std::string tamper_shell;                  // "/usr/bin/sqlite3" or psql
  std::string tamper_target;                 // its database argument
  std::unique_ptr<idempotency_store> store;  // the seeding process's own
  std::string journal;                       // the fake network's, shared
};

ran admin(const fixture& f, std::vector<std::string> args) {
  args.insert(args.begin(), {"--store", f.spec});
  return run(PAYINTENT_ADMIN, args);
}

json::value json_of(const ran& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code != 127);
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  REQUIRE_MESSAGE(!ec, "not JSON: " << r.out);
  return v;
}

// One line on stderr naming the trouble, nothing on stdout, exit code 2.
void refused(const ran& r, const std::string& says) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == admin_refused);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find(says) != std::string::npos);
}

std::int64_t version_of(const fixture& f, const std::string& tenant, const std::string& id) {
  auto loaded = f.store->load(tenant_id(tenant), intent_id(id));
  REQUIRE(loaded);
  REQUIRE(loaded.value());
  return static_cast<std::int64_t>(loaded.value()->version);
}

struct seeded {
  std::string succeeded, review, unknown, held, short_lived;
};

service_options seeding_options() {
  service_options o;
  o.node_id = "seed";
  o.store_threads = 1;
  return o;
}

charge_params charge_with(const char* token) {
  return {.amount = 1999, .currency = "EUR", .payment_method = token};
}

seeded seed(fixture& f) {
  seeded s;
  {  // Recovery hands an unknown outcome to a person: lookup unsupported.
    testing::fake_card_network blind({.supports_lookup = false});
    payment_service service(*f.store, blind, seeding_options());
    auto r = service.charge("acme", "k-review", charge_with(testing::pm_unknown));
    REQUIRE(r);
    s.review = r.value().intent.id.str();
    REQUIRE(service.recover().value().reviewed == 1);
  }
  testing::fake_card_network network({.journal_path = f.journal});
  {
    payment_service service(*f.store, network, seeding_options());
    auto ok = service.charge("acme", "k-ok", charge_with(testing::pm_approve));
    REQUIRE(ok);
    REQUIRE(ok.value().intent.status == intent_status::succeeded);
    s.succeeded = ok.value().intent.id.str();
    // Approved by the network, answered unknown: recovery's lookup adopts it.
    auto unknown = service.charge("beta", "k-unknown", charge_with(testing::pm_unknown));
    REQUIRE(unknown);
    s.unknown = unknown.value().intent.id.str();
  }
  {
    auto o = seeding_options();
    o.key_retention = 1ms;
    payment_service service(*f.store, network, o);
    auto r = service.charge("acme", "k-short", charge_with(testing::pm_approve));
    REQUIRE(r);
    s.short_lived = r.value().intent.id.str();
  }
  // An attempt whose holder's lease runs for ten minutes yet.
  using namespace testing::conformance;
  const auto held = new_intent(tenant_id("beta"), generate_intent_id().str());
  create_with_attempt(*f.store, held, 1, 600'000);
  s.held = held.id.str();
  std::this_thread::sleep_for(5ms);  // past the short key's retention
  return s;
}

void drive(fixture& f) {
  const seeded s = seed(f);

  // show: the intent, attempts, keys and a verified trail.
  {
    auto v = json_of(admin(f, {"--json", "show", "acme", s.succeeded}));
    CHECK(v.at("intent").at("status") == "succeeded");
    CHECK(v.at("intent").at("attempts").at(0).at("state") == "authorized");
    CHECK(v.at("intent").at("attempts").at(0).at("lease") == "none");
    CHECK(v.at("keys").as_array().size() == 1);
    CHECK(v.at("keys").at(0).at("key") == "k-ok");
    CHECK(v.at("audit").as_array().size() == 5);
    CHECK(v.at("audit_verification").at("ok") == true);
    auto table = admin(f, {"show", "acme", s.succeeded});
    CHECK(table.code == 0);
    CHECK(table.out.find("audit trail (verifies)") != std::string::npos);
  }
  // review list: the one intent recovery could not settle, with its reason.
  {
    auto v = json_of(admin(f, {"review", "list", "--json"}));
    REQUIRE(v.as_array().size() == 1);
    CHECK(v.at(0).at("intent") == s.review.c_str());
    CHECK(v.at(0).at("attempt_state") == "unknown");
    CHECK(std::string(v.at(0).at("reason").as_string()).find("does not support lookup") !=
          std::string::npos);
    CHECK(json_of(admin(f, {"review", "list", "--tenant", "beta", "--json"})).as_array().empty());
  }
  // stats and unresolved: counts, leases, keys past retention.
  {
    auto v = json_of(admin(f, {"stats", "--json"}));
    CHECK(v.at("intents").at("succeeded") == 2);
    CHECK(v.at("intents").at("requires_review") == 1);
    CHECK(v.at("intents").at("processing") == 2);
    CHECK(v.at("unresolved_attempts") == 3);
    CHECK(v.at("keys") == 5);
    CHECK(v.at("keys_past_retention") == 1);
    CHECK(v.at("events_pending").is_null());  // no consumer named
    // A consumer that acknowledged nothing has every event pending; one
    // acknowledged up to the second-newest, one.
    auto events = f.store->read_events({.limit = 1000});
    REQUIRE(events);
    REQUIRE(events.value().size() >= 2);
    const auto all = events.value().size();
    auto fresh = json_of(admin(f, {"stats", "--consumer", "ops-fresh", "--json"}));
    CHECK(fresh.at("events_pending") == all);
    REQUIRE(f.store->acknowledge_events("ops-behind", events.value()[all - 2].sequence));
    auto behind = json_of(admin(f, {"stats", "--consumer", "ops-behind", "--json"}));
    CHECK(behind.at("events_pending") == 1);
    refused(admin(f, {"stats", "--consumer", ""}), "consumer");
    CHECK(v.at("oldest_unresolved").at("lease") == "none");
    auto u = json_of(admin(f, {"unresolved", "--json"}));
    REQUIRE(u.as_array().size() == 3);
    std::map<std::string, std::string> lease;
    for (const auto& a : u.as_array()) {
      lease[std::string(a.at("intent").as_string())] = std::string(a.at("lease").as_string());
    }
    CHECK(lease[s.review] == "review");
    CHECK(lease[s.unknown] == "none");
    CHECK(lease[s.held] == "held");
  }
  // Bad input: one line, exit 2, nothing written.
  {
    const auto before = version_of(f, "acme", s.review);
    refused(run(PAYINTENT_ADMIN, {"--store", "mysql:x", "stats"}), "--store");
    refused(run(PAYINTENT_ADMIN, {"--store", "sqlite:/nonexistent/pay.db", "stats"}),
            "no SQLite file");
    refused(admin(f, {"show", s.review}), "TENANT INTENT");
    refused(admin(f, {"show", "acme", "pi_nosuchintent"}), "no payment intent");
    refused(admin(f, {"show", "beta", s.review}), "no payment intent");
    refused(admin(f, {"frobnicate"}), "unknown command");
    refused(admin(f, {"stats", "--frobnicate", "1"}), "unknown flag");
    refused(admin(f, {"stats", "--limit", "1"}), "does not take --limit");
    refused(admin(f, {"review", "settle", "acme", s.review, "--as", "succeeded", "--reason", "seen",
                      "--operator", "bob"}),
            "--reference");
    refused(admin(f, {"review", "settle", "acme", s.succeeded, "--as", "failed", "--reason", "seen",
                      "--operator", "bob"}),
            "status succeeded");
    refused(admin(f, {"review", "settle", "acme", s.review, "--as", "failed", "--reason",
                      "card 4242424242424242", "--operator", "bob"}),
            "card number");
    refused(run(PAYINTENT_ADMIN, {"--store", f.read_only_spec, "review", "settle", "acme", s.review,
                                  "--as", "failed", "--reason", "seen", "--operator", "bob"}),
            "read");
    refused(admin(f, {"recover"}), "card network");
    refused(admin(f, {"audit", "verify"}), "--all");
    CHECK(version_of(f, "acme", s.review) == before);
  }
  // review settle: fenced and audited, with who, why and what was checked.
  {
    auto v =
        json_of(admin(f, {"review", "settle", "acme", s.review, "--as", "succeeded", "--reason",
                          "found in the network dashboard", "--evidence", "ticket OPS-7",
                          "--reference", "ch_3Pq", "--operator", "alice", "--json"}));
    CHECK(v.at("intent").at("status") == "succeeded");
    CHECK(v.at("intent").at("attempts").at(0).at("network_transaction_id") == "ch_3Pq");
    auto trail = f.store->audit_trail(tenant_id("acme"), intent_id(s.review)).value();
    CHECK(verify_audit(trail).ok);
    for (const char* said : {"alice", "found in the network dashboard", "OPS-7", "ch_3Pq"}) {
      CHECK(trail.back().detail.find(said) != std::string::npos);
    }
    CHECK(json_of(admin(f, {"review", "list", "--json"})).as_array().empty());
  }
  // recover, from the recovery binary: the unknown outcome is adopted, the
  // live lease left alone.
  {
    auto v = json_of(run(PAYINTENT_RECOVERY_ADMIN,
                         {"--network-journal", f.journal, "--store", f.spec, "recover", "--json"}));
    CHECK(v.at("adopted") == 1);
    CHECK(v.at("skipped") == 1);
    CHECK(v.at("holds_expired") == 0);
    CHECK(json_of(admin(f, {"show", "beta", s.unknown, "--json"})).at("intent").at("status") ==
          "succeeded");
  }
  // purge: the key past its retention.
  {
    auto purged = json_of(admin(f, {"purge", "--json"}));
    CHECK(purged.at("deleted") == 1);
    CHECK(purged.at("events_deleted") == 0);  // younger than the 30-day retention
  }
  CHECK(json_of(admin(f, {"stats", "--json"})).at("keys") == 4);

  // audit verify: every chain, then one tampered row named.
  {
    auto ok = json_of(admin(f, {"audit", "verify", "--all", "--json"}));
    CHECK(ok.at("ok") == true);
    CHECK(ok.at("chains") == 5);
    CHECK(admin(f, {"audit", "verify", "--all"}).code == 0);
    REQUIRE(shell(f.tamper_shell, f.tamper_target,
                  "UPDATE audit SET detail = 'nothing happened' WHERE intent_id = '" + s.succeeded +
                      "' AND sequence = 4") == 0);
    REQUIRE(f.store->audit_trail(tenant_id("acme"), intent_id(s.succeeded)).value().at(3).detail ==
            "nothing happened");
    const auto broken = admin(f, {"audit", "verify", "--all", "--json", "--page", "2"});
    CHECK(broken.code == admin_audit_broken);
    auto v = json_of(broken);
    CHECK(v.at("ok") == false);
    REQUIRE(v.at("broken").as_array().size() == 1);
    CHECK(v.at("broken").at(0).at("intent") == s.succeeded.c_str());
    CHECK(v.at("broken").at(0).at("sequence") == 4);
    CHECK(v.at("broken").at(0).at("reason") == "hash mismatch");
    const auto table = admin(f, {"audit", "verify", "--tenant", "acme"});
    CHECK(table.code == admin_audit_broken);
    CHECK(table.out.find("BROKEN acme " + s.succeeded + " at entry #4") != std::string::npos);
    CHECK(admin(f, {"audit", "verify", "--tenant", "beta"}).code == 0);
  }
}

std::string scratch_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("admin_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

}  // namespace

TEST_CASE("payintent-admin on sqlite") {
  const std::string db = scratch_path("pay.db");
  fixture f;
  f.spec = "sqlite:" + db;
  f.read_only_spec = "sqlite:file:" + db + "?mode=ro";
  f.tamper_shell = "/usr/bin/sqlite3";
  f.tamper_target = db;
  f.journal = scratch_path("network.journal");
  f.store = sqlite_store::open({.path = db}).value();
  drive(f);
  f.store.reset();
  for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  std::filesystem::remove(f.journal);
}

#ifdef PAYINTENT_ADMIN_POSTGRES
TEST_CASE("payintent-admin on postgres") {
  const std::string conninfo = postgres_test::test_database::get().fresh_schema();
  fixture f;
  f.spec = "postgres:" + conninfo;
  // A session that may not write, as on a hot standby: libpq takes the
  // last of a repeated keyword.
  const auto path = conninfo.find("-csearch_path=");
  REQUIRE(path != std::string::npos);
  const std::string schema = conninfo.substr(path, conninfo.find('\'', path) - path);
  f.read_only_spec =
      "postgres:" + conninfo + " options='" + schema + " -cdefault_transaction_read_only=on'";
  f.tamper_shell = "/usr/bin/psql";
  f.tamper_target = conninfo;
  f.journal = scratch_path("network.journal");
  f.store = postgres_test::must_open({.conninfo = conninfo});
  drive(f);
  f.store.reset();
  std::filesystem::remove(f.journal);
}
#endif
