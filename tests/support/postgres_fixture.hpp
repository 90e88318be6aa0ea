// Shared by every test that needs PostgreSQL: the server named by
// PAYINTENT_TEST_PG (a libpq conninfo; ./scripts/test starts a throwaway
// cluster and sets it), a database of this test executable's own (created on
// first use, dropped at exit, so parallel ctest runs never meet), a fresh
// schema per store, and a bare connection for looking at tables from outside.
//
// An unset PAYINTENT_TEST_PG FAILS the test with a message saying how to get
// a server: a test that needs PostgreSQL never passes without one.
#pragma once

#include "payintent/postgres_store.hpp"
#include "payintent/testing/store_conformance.hpp"

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace payintent::postgres_test {

// The environment variable `name`, or a failed test saying `why` it is needed.
inline std::string required_env(const char* name, const char* why) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    const std::string message = std::string(name) + " is not set. " + why;
    FAIL(message);
  }
  return value;
}

// PAYINTENT_TEST_PG, or a failed test.
inline std::string server_conninfo() {
  return required_env("PAYINTENT_TEST_PG",
                      "This test needs a PostgreSQL server: run ./scripts/test (it starts one), "
                      "or eval \"$(scripts/pg_cluster start)\" first.");
}

// `conninfo` (key=value or URI) with some keywords replaced, as key=value text.
inline std::string conninfo_with(const std::string& conninfo,
                                 const std::map<std::string, std::string>& overrides) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    const std::string why = error != nullptr ? error : "";
    PQfreemem(error);
    FAIL("cannot parse conninfo: " << why);
  }
  std::map<std::string, std::string> values;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) values[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  for (const auto& [k, v] : overrides) values[k] = v;
  std::string out;
  for (const auto& [k, v] : values) {
    std::string quoted;
    for (char c : v) {
      if (c == '\'' || c == '\\') quoted += '\\';
      quoted += c;
    }
    out += k + "='" + quoted + "' ";
  }
  return out;
}

// A bare libpq connection for tests that look at or sabotage the tables.
class raw_pg {
 public:
  explicit raw_pg(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    REQUIRE_MESSAGE(PQstatus(conn_) == CONNECTION_OK,
                    "cannot connect: " << std::string(PQerrorMessage(conn_)));
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~raw_pg() { PQfinish(conn_); }
  raw_pg(const raw_pg&) = delete;
  raw_pg& operator=(const raw_pg&) = delete;

  // Runs SQL; true when it succeeded.
  bool exec(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(res);
    PQclear(res);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }

  // The first column of every row, as text.
  std::vector<std::string> texts(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    std::vector<std::string> out;
    for (int i = 0; ok && i < PQntuples(res); ++i) out.emplace_back(PQgetvalue(res, i, 0));
    const std::string why = ok ? "" : PQresultErrorMessage(res);
    PQclear(res);
    REQUIRE_MESSAGE(ok, sql << ": " << why);
    return out;
  }
  // The first column of the first row ("" when there is none).
  std::string text(const std::string& sql) {
    const auto all = texts(sql);
    return all.empty() ? std::string() : all.front();
  }
  std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  PGconn* conn_;
};

// This executable's database, "pi_<program>_<pid>": created on first use,
// dropped (with any connections still open) when the process exits.
class test_database {
 public:
  static test_database& get() {
    static test_database db;
    return db;
  }

  const std::string& conninfo() const noexcept { return conninfo_; }

  // PAYINTENT_TEST_PG is a pooler in transaction mode (scripts/pgbouncer run
  // says so in PAYINTENT_TEST_PG_POOLER): stores need prepared_statements
  // off, and a conninfo can carry no `options`.
  static bool pooled() {
    const char* pooler = std::getenv("PAYINTENT_TEST_PG_POOLER");
    return pooler != nullptr && std::string(pooler) == "transaction";
  }

  // A new, empty schema in the database, and a conninfo whose search_path
  // starts with it: a store opened with it sees only its own tables. The
  // settings in PGOPTIONS (which an explicit `options` would hide) are kept:
  // the conformance_postgres_serializable run sets the isolation there.
  // Behind a pooler the search_path is the setting of a login role made for
  // the schema (dropped at exit).
  std::string fresh_schema() {
    const auto schema = "s" + std::to_string(++schemas_);
    raw_pg(conninfo_).exec("CREATE SCHEMA " + schema);
    if (pooled()) {
      const auto role = name_ + "_" + schema;
      raw_pg db(conninfo_);
      REQUIRE(db.exec("CREATE ROLE " + role + " LOGIN SUPERUSER"));
      REQUIRE(db.exec("ALTER ROLE " + role + " SET search_path = " + schema));
      roles_.push_back(role);
      return conninfo_with(conninfo_, {{"user", role}});
    }
    const char* pgoptions = std::getenv("PGOPTIONS");
    const std::string settings = pgoptions != nullptr ? std::string(" ") + pgoptions : "";
    return conninfo_with(conninfo_, {{"options", "-csearch_path=" + schema + settings}});
  }

  ~test_database() {
    if (::getpid() != owner_) return;  // a forked child exiting must not drop it
    PGconn* admin = PQconnectdb(server_.c_str());
    PQclear(PQexec(admin, ("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)").c_str()));
    for (const auto& role : roles_) PQclear(PQexec(admin, ("DROP ROLE " + role).c_str()));
    PQfinish(admin);
  }

 private:
  test_database() : server_(server_conninfo()), owner_(::getpid()) {
    std::string program = program_invocation_short_name;
    for (char& c : program) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    name_ = "pi_" + program.substr(0, 40) + "_" + std::to_string(owner_);
    raw_pg admin(server_);
    admin.exec("DROP DATABASE IF EXISTS " + name_);  // a pid reused after a crash
    REQUIRE_MESSAGE(admin.exec("CREATE DATABASE " + name_), "cannot create database " << name_);
    conninfo_ = conninfo_with(server_, {{"dbname", name_}});
  }

  std::string server_;
  ::pid_t owner_;
  std::string name_;
  std::string conninfo_;
  int schemas_ = 0;
  std::vector<std::string> roles_;
};

inline std::unique_ptr<postgres_store> must_open(postgres_store_options options) {
  diagnostics diag;
  auto opened = postgres_store::open(std::move(options), &diag);
  if (!opened) {
    FAIL("open failed: " << testing::conformance::outcome_of(opened) << " " << diag.message);
  }
  return std::move(opened).value();
}

// A store in a fresh schema of this executable's database, on a manual clock.
inline testing::store_under_test postgres_under_test() {
  testing::manual_clock clock;
  postgres_store_options o;
  o.conninfo = test_database::get().fresh_schema();
  o.prepared_statements = !test_database::pooled();
  o.clock = clock.as_function();
  testing::store_under_test s;
  s.store = must_open(std::move(o));
  s.advance_clock_ms = [clock](std::int64_t ms) { clock.advance(ms); };
  return s;
}

}  // namespace payintent::postgres_test
