// The authentication value reaches the network and nothing else: not the
// store (rows, keys, audit, the SQLite file itself), not an answer, not a
// diagnostics message.
#include "support/three_ds_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <type_traits>

using namespace payintent;
using payintent::test::memory_env;
using payintent::test::require_ok;
using payintent::test::sqlite_env;
using payintent::test::three_ds_fixture;

namespace {

bool holds(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every byte of the SQLite files (database, WAL, shared memory).
std::string file_bytes(const std::string& path) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream in(path + suffix, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

}  // namespace

TEST_CASE_TEMPLATE("3ds: the authentication value is sent once and never stored or returned", Env,
                   memory_env, sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  const auto id = charged.intent.id.str();
  const auto result = f.complete(charged.intent, "Y");
  const std::string& secret = result.authentication_value;
  REQUIRE(secret.size() > 10);

  const auto done = require_ok(f.service.authenticate("acme", "auth-1", id, result));
  CHECK(done.intent.status == intent_status::succeeded);
  REQUIRE(f.network.requests().back().authentication.has_value());
  CHECK(f.network.requests().back().authentication->authentication_value == secret);

  // Not in what the service answers or what it writes in the audit trail.
  CHECK_FALSE(holds(fmt::format("{}", done.intent), secret));
  for (const auto& a : done.intent.attempts) CHECK_FALSE(holds(fmt::format("{}", a), secret));
  for (const auto& e : require_ok(f.service.audit_trail("acme", id))) {
    CHECK_FALSE(holds(fmt::format("{} {} {} {}", e, e.from, e.to, e.detail), secret));
    CHECK_FALSE(holds(e.detail, result.ds_transaction_id));
  }
  // Not in the key record, not even as the fingerprint's input: the same key
  // with another value replays instead of mismatching.
  const auto key = require_ok(f.env.store->load_key(tenant_id("acme"), idempotency_key("auth-1")));
  REQUIRE(key.has_value());
  CHECK_FALSE(holds(key->fingerprint + key->result.message, secret));
  auto other_value = result;
  other_value.authentication_value = "another-cavv-value";
  CHECK(require_ok(f.service.authenticate("acme", "auth-1", id, other_value)).replayed);

  if constexpr (std::is_same_v<Env, sqlite_env>) {
    const std::string bytes = file_bytes(f.env.path);
    REQUIRE(holds(bytes, charged.intent.id.str()));  // the scan works
    CHECK_FALSE(holds(bytes, secret));
    CHECK_FALSE(holds(bytes, result.ds_transaction_id));
  }
}

TEST_CASE_TEMPLATE("3ds: error messages never echo the authentication value", Env, memory_env,
                   sqlite_env) {
  three_ds_fixture<Env> f;
  const auto charged = f.challenged("order-1");
  auto result = f.complete(charged.intent, "Y");
  const std::string secret = result.authentication_value;
  result.eci = "bad";
  diagnostics diag;
  auto r = f.service.authenticate("acme", "auth-1", charged.intent.id.str(), result, &diag);
  CHECK(r.error() == errc::invalid_argument);
  CHECK_FALSE(holds(diag.message, secret));

  result = f.complete(charged.intent, "Y");
  result.three_ds_server_trans_id = "3ds_someone_else";
  diag.clear();
  r = f.service.authenticate("acme", "auth-2", charged.intent.id.str(), result, &diag);
  CHECK(r.error() == errc::invalid_argument);
  CHECK_FALSE(diag.message.empty());
  CHECK_FALSE(holds(diag.message, result.authentication_value));
  CHECK(f.network.authorizations() == 0);
}
