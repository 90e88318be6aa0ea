// The PostgreSQL store's own behaviour beyond the conformance suite: the
// database clock, migrations beside older servers, bad conninfo, and faults
// (lost connections, lock timeouts, the database going away). Each fault maps
// to its errc and leaves nothing half-written.
#include "postgres_fixture.hpp"

#include <payintent/payment_service.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/format.h>

#include <chrono>
#include <future>
#include <thread>

using namespace payintent;
using namespace payintent::testing::conformance;
using payintent::postgres_test::conninfo_with;
using payintent::postgres_test::must_open;
using payintent::postgres_test::raw_pg;
using payintent::postgres_test::test_database;

namespace {

// A store on the database clock in a fresh schema.
std::unique_ptr<postgres_store> open_fresh(std::string* conninfo_out = nullptr) {
  postgres_store_options o;
  o.conninfo = test_database::get().fresh_schema();
  if (conninfo_out != nullptr) *conninfo_out = o.conninfo;
  return must_open(std::move(o));
}

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("postgres: times come from the database clock") {
  auto store = open_fresh();
  const auto before = system_ms();
  const auto now = expect_ok(store->now_ms());
  CHECK(now >= before - 5'000);  // the server runs on this host in tests
  CHECK(now <= system_ms() + 5'000);
  const auto claimed =
      expect_ok(store->claim(claim_create("clock-1", new_intent(tenant_a, "pi_c"))));
  CHECK(claimed.receipt.store_time_ms >= now);
  const auto stored = must_load(*store, tenant_a, intent_id{"pi_c"});
  CHECK(stored.created_at_ms == claimed.receipt.store_time_ms);
}

TEST_CASE("postgres: bad conninfo is a clear error, an unreachable server is retryable") {
  diagnostics diag;
  CHECK(outcome_of(postgres_store::open({}, &diag)) == name_of(errc::invalid_argument));
  CHECK(diag.message == "conninfo is empty");

  postgres_store_options bad;
  bad.conninfo = "host=127.0.0.1 port='unterminated";
  CHECK(outcome_of(postgres_store::open(bad, &diag)) == name_of(errc::invalid_argument));
  CHECK(diag.message.starts_with("conninfo:"));

  postgres_store_options away;  // port 1: nothing listens there
  away.conninfo = "host=127.0.0.1 port=1 dbname=none user=none";
  CHECK(outcome_of(postgres_store::open(away, &diag)) == name_of(errc::store_unavailable));
  CHECK(diag.message.starts_with("cannot connect:"));
  CHECK(is_retryable(errc::store_unavailable));
}

TEST_CASE("postgres: stores opening one database at once migrate it once") {
  const auto conninfo = test_database::get().fresh_schema();
  std::vector<std::future<bool>> openers;
  for (int i = 0; i < 6; ++i) {
    openers.push_back(std::async(std::launch::async, [&] {
      postgres_store_options o;
      o.conninfo = conninfo;
      return postgres_store::open(o).has_value();
    }));
  }
  for (auto& f : openers) CHECK(f.get());
  raw_pg raw(conninfo);
  CHECK(raw.integer("SELECT count(*) FROM payintent_schema") == postgres_store::schema_version);
  CHECK(raw.integer("SELECT max(version) FROM payintent_schema") == postgres_store::schema_version);
}

TEST_CASE("postgres: an older server keeps working after an additive migration") {
  std::string conninfo;
  auto old_server = open_fresh(&conninfo);
  const auto before = create_stored(*old_server, new_intent(tenant_a, "pi_before"));
  {
    // What a newer build's additive migration looks like: a column with a
    // default, an index, its version row saying this build's code still works.
    raw_pg raw(conninfo);
    REQUIRE(raw.exec("ALTER TABLE intents ADD COLUMN risk_score integer NOT NULL DEFAULT 0"));
    REQUIRE(raw.exec("CREATE INDEX intents_risk ON intents (risk_score)"));
    REQUIRE(raw.exec(fmt::format("INSERT INTO payintent_schema (version, compatible_from) "
                                 "VALUES ({}, 1)",
                                 postgres_store::schema_version + 1)));
  }
  // The running old server and a freshly started one both work on it.
  postgres_store_options o;
  o.conninfo = conninfo;
  auto restarted = must_open(o);
  for (idempotency_store* store : {static_cast<idempotency_store*>(old_server.get()),
                                   static_cast<idempotency_store*>(restarted.get())}) {
    const auto id = "pi_after_" + std::to_string(reinterpret_cast<std::uintptr_t>(store) % 997);
    const auto created = create_stored(*store, new_intent(tenant_a, id));
    expect_ok(store->commit(start_attempt_write(created, 1, 1)));
    CHECK(must_load(*store, tenant_a, intent_id{id}).attempts.size() == 1);
    CHECK(must_load(*store, tenant_a, intent_id{"pi_before"}) == before);
  }
  // A migration that old code cannot use is refused, not misread.
  const int too_new = postgres_store::schema_version + 2;
  REQUIRE(raw_pg(conninfo).exec(fmt::format(
      "INSERT INTO payintent_schema (version, compatible_from) VALUES ({}, {})", too_new, too_new)));
  diagnostics diag;
  CHECK(outcome_of(postgres_store::open(o, &diag)) == name_of(errc::not_supported));
  CHECK(diag.message == "the database schema needs a newer payintent");
}

TEST_CASE("postgres: a killed connection is replaced, and the call after works") {
  std::string conninfo;
  auto store = open_fresh(&conninfo);
  expect_ok(store->claim(claim_create("conn-1", new_intent(tenant_a, "pi_conn_1"))));
  raw_pg raw(conninfo);
  // Every connection of this database but ours: the store's pool.
  const auto killed = raw.integer(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  CHECK(killed >= 1);
  // The next call runs on a fresh connection (its transaction never reached
  // the dead one's COMMIT, so it is retried) or at worst says "retry".
  const auto next = store->claim(claim_create("conn-2", new_intent(tenant_a, "pi_conn_2")));
  if (!next) CHECK(is_retryable(next.error()));
  const auto after = store->claim(claim_create("conn-3", new_intent(tenant_a, "pi_conn_3")));
  CHECK(outcome_of(after) == "ok");
  CHECK(expect_ok(store->load(tenant_a, intent_id{"pi_conn_1"})).has_value());
  CHECK(expect_ok(store->load(tenant_a, intent_id{"pi_conn_3"})).has_value());
}

TEST_CASE("postgres: lock timeouts retry with backoff, then answer busy having written nothing") {
  postgres_store_options o;
  o.conninfo = test_database::get().fresh_schema();
  const auto conninfo = o.conninfo;
  must_open(o);  // the schema
  // The store's statements give up on a lock after 50 ms (55P03).
  o.conninfo = conninfo_with(
      conninfo, {{"options", "-csearch_path=" + raw_pg(conninfo).text("SELECT current_schema()") +
                                 " -clock_timeout=50"}});
  o.max_retries = 3;
  o.retry_backoff = std::chrono::milliseconds(10);
  auto store = must_open(o);

  raw_pg holder(conninfo);
  REQUIRE(holder.exec("BEGIN"));
  REQUIRE(holder.exec("LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE"));
  const auto blocked = store->claim(claim_create("lock-1", new_intent(tenant_a, "pi_lock_1")));
  CHECK(outcome_of(blocked) == name_of(errc::busy));
  REQUIRE(holder.exec("ROLLBACK"));
  CHECK_FALSE(expect_ok(store->load(tenant_a, intent_id{"pi_lock_1"})).has_value());
  CHECK_FALSE(expect_ok(store->load_key(tenant_a, idempotency_key{"lock-1"})).has_value());
  CHECK(audit_count(*store, tenant_a, intent_id{"pi_lock_1"}) == 0);

  // A lock released while the store backs off: a retry gets through.
  REQUIRE(holder.exec("BEGIN"));
  REQUIRE(holder.exec("LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE"));
  auto release = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    return holder.exec("ROLLBACK");
  });
  o.max_retries = 10;
  auto patient = must_open(o);
  const auto through = patient->claim(claim_create("lock-2", new_intent(tenant_a, "pi_lock_2")));
  CHECK(release.get());
  CHECK(outcome_of(through) == "ok");
}

TEST_CASE("postgres: while the database is away calls are retryable and nothing is cached") {
  // This executable's own database is taken away: no new connections, and
  // the open ones killed. Other test executables have databases of their own.
  std::string conninfo;
  auto store = open_fresh(&conninfo);
  payintent::testing::fake_card_network network;
  service_options options;
  options.node_id = "pg-outage";
  payment_service payments(*store, network, options);
  charge_params order{.amount = 1999, .currency = "EUR", .payment_method = "pm_card_visa"};
  REQUIRE(payments.charge("acme", "before", order).has_value());

  const auto name = raw_pg(conninfo).text("SELECT current_database()");
  raw_pg admin(postgres_test::server_conninfo());
  REQUIRE(admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false"));
  admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
             "'");
  struct reopen {
    raw_pg& admin;
    std::string name;
    ~reopen() { admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true"); }
  } guard{admin, name};

  diagnostics diag;
  const auto during = payments.charge("acme", "during", order, &diag);
  REQUIRE_FALSE(during.has_value());
  CHECK(outcome_of(during) == name_of(errc::store_unavailable));
  CHECK(is_retryable(during.error()));
  CHECK(outcome_of(payments.charge("acme", "before", order)) == name_of(errc::store_unavailable));
  CHECK(network.authorizations() == 1);  // the charge during the outage never reached it

  REQUIRE(admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true"));
  // Back: the retry of the failed charge runs afresh (nothing was cached
  // for its key), and the old one replays.
  const auto retried = payments.charge("acme", "during", order);
  REQUIRE(retried.has_value());
  CHECK_FALSE(retried.value().replayed);
  CHECK(retried.value().intent.status == intent_status::succeeded);
  const auto replay = payments.charge("acme", "before", order);
  REQUIRE(replay.has_value());
  CHECK(replay.value().replayed);
  CHECK(network.authorizations() == 2);
}

TEST_CASE(
    "postgres: a write whose pipelined rows fail midway leaves nothing, and the store goes on") {
  std::string conninfo;
  postgres_store_options o;
  o.conninfo = test_database::get().fresh_schema();
  o.pool_size = 1;  // every call on one connection
  conninfo = o.conninfo;
  auto store = must_open(o);
  // A constraint the store does not know of refuses this intent's audit
  // entries: the key, the intent and the attempt rows are accepted, then the
  // audit insert (last in the pipeline) fails.
  REQUIRE(raw_pg(conninfo).exec(
      "ALTER TABLE audit ADD CONSTRAINT refuse_pi_pipe CHECK (intent_id <> 'pi_pipe')"));
  const auto failed = store->claim(claim_create("pipe-1", new_intent(tenant_a, "pi_pipe")));
  CHECK(outcome_of(failed) == name_of(errc::store_unavailable));  // 23514: not ours to retry
  CHECK_FALSE(expect_ok(store->load(tenant_a, intent_id{"pi_pipe"})).has_value());
  CHECK_FALSE(expect_ok(store->load_key(tenant_a, idempotency_key{"pipe-1"})).has_value());
  // The same pooled connection serves the next writes.
  for (int i = 0; i < 3; ++i) {
    const auto id = "pi_pipe_ok_" + std::to_string(i);
    const auto created = create_stored(*store, new_intent(tenant_a, id));
    expect_ok(store->commit(start_attempt_write(created, 1, 1)));
    CHECK(audit_count(*store, tenant_a, intent_id{id}) == 2);
  }
}

TEST_CASE("postgres: at SERIALIZABLE a serialization failure runs the whole transaction again") {
  postgres_store_options o;
  o.conninfo = test_database::get().fresh_schema();
  const auto conninfo = o.conninfo;
  const auto schema = raw_pg(conninfo).text("SELECT current_schema()");
  o.conninfo = conninfo_with(
      conninfo,
      {{"options", "-csearch_path=" + schema + " -cdefault_transaction_isolation=serializable"}});
  o.group_lanes = 1;
  auto store = must_open(o);
  REQUIRE(raw_pg(o.conninfo).text("SHOW default_transaction_isolation") == "serializable");
  const auto created = create_stored(*store, new_intent(tenant_a, "pi_serial"));

  // Another server changes the intent's row and holds its lock. The store's
  // commit begins (its snapshot is taken with the clock read), then waits on
  // that lock; once the other commits, the row it locks changed after its
  // snapshot: 40001. Rolling back to the member's savepoint keeps that
  // snapshot, so only a new transaction gets through.
  raw_pg other(conninfo);
  REQUIRE(other.exec("BEGIN"));
  REQUIRE(other.exec(fmt::format(
      "UPDATE intents SET updated_at = updated_at WHERE tenant = '{}' AND id = 'pi_serial'",
      tenant_a.str())));
  auto write = std::async(std::launch::async,
                          [&] { return store->commit(start_attempt_write(created, 1, 1)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(other.exec("COMMIT"));
  CHECK(outcome_of(write.get()) == "ok");
  const auto after = must_load(*store, tenant_a, created.id);
  CHECK(after.version == created.version + 1);
  CHECK(after.attempts.size() == 1);
  CHECK(audit_count(*store, tenant_a, created.id) == 2);  // created, then one attempt
}
