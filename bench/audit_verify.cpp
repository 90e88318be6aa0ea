// audit_verify: how long `payintent-admin audit verify --all` takes over a
// million audit entries (docs/operations.md quotes the figure).
//
//   audit_verify [--path PATH] [--entries N] [--chain N] [--page N]
//
// Creates a SQLite store at PATH (default: a file in the temporary
// directory, removed after), writes N entries (default 1,000,000) as chains
// of --chain entries (default 5, a charge's), sealed by payintent's own
// seal_audit_entry and inserted with raw prepared statements in one
// transaction (only the audit table: verification reads nothing else), then
// times verify_audit_chains, the code behind the command, reading --page
// entries at a time (default 10,000, the command's), in wall and CPU time.
// Also times verify_audit alone over the same chains in memory: the
// hashing's share. Prints one JSON line.
#include "common/cli.hpp"
#include "payintent/admin.hpp"
#include "payintent/audit.hpp"
#include "payintent/sqlite_store.hpp"

#include <sqlite3.h>
#include <sys/resource.h>

#include <fmt/core.h>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::string_view usage =
    "usage: audit_verify [--path PATH] [--entries N] [--chain N] [--page N]\n"
    "  times payintent-admin audit verify over N audit entries in a SQLite store\n";

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// This process's CPU time (user + system), so a figure taken on a shared
// machine can be told apart from waiting for a core.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

bool ok(int rc, sqlite3* db) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE) return true;
  fmt::print(stderr, "sqlite: {}\n", sqlite3_errmsg(db));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path =
      (std::filesystem::temp_directory_path() / fmt::format("audit_verify_{}.db", ::getpid()))
          .string();
  std::size_t entries = 1'000'000, chain = 5, page = 10'000;
  if (auto rc = payintent::cli::parse_flags(
          argc, argv, "audit_verify", usage, [&](std::string_view flag, std::string_view value) {
            auto count = [&](std::size_t& into, std::size_t lo, std::size_t hi) {
              auto n = payintent::cli::parse_int<std::size_t>(value, lo, hi);
              if (n) into = *n;
              return n.has_value();
            };
            if (flag == "--path") return !(path = std::string(value)).empty();
            if (flag == "--entries") return count(entries, 1, 100'000'000);
            if (flag == "--chain") return count(chain, 1, 1'000);
            if (flag == "--page") return count(page, 1, 1'000'000);
            return false;
          })) {
    return *rc;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto opened = payintent::sqlite_store::open(
      {.path = path, .synchronous = payintent::sqlite_synchronous::normal});
  if (!opened) {
    fmt::print(stderr, "cannot create {}\n", path);
    return 1;
  }
  auto store = std::move(opened).value();

  // The chains, sealed and written; verify_audit timed on each as it is made.
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* insert = nullptr;
  if (!ok(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db) ||
      !ok(sqlite3_prepare_v2(
              db,
              "INSERT INTO audit (tenant, intent_id, sequence, time_ms, attempt, "
              "event, from_state, to_state, detail, node_id, fence, prev_hash, "
              "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
              -1, &insert, nullptr),
          db)) {
    return 1;
  }
  const payintent::audit_event steps[] = {
      {0, "intent.created", "", "created", ""},
      {0, "intent.processing", "created", "processing", ""},
      {1, "attempt.init", "", "init", ""},
      {1, "attempt.authorized", "init", "authorized", ""},
      {0, "intent.succeeded", "processing", "succeeded", ""},
  };
  double hashing = 0;
  const auto write_start = clock_type::now();
  std::vector<payintent::audit_entry> sealed;
  const std::int64_t t0 = 1'800'000'000'000;
  for (std::size_t written = 0; written < entries;) {
    const payintent::tenant_id tenant(fmt::format("tenant_{}", written % 7));
    const payintent::intent_id intent = payintent::generate_intent_id();
    sealed.clear();
    for (std::size_t i = 0; i < chain && written < entries; ++i, ++written) {
      sealed.push_back(payintent::seal_audit_entry(
          steps[i % std::size(steps)], sealed.empty() ? nullptr : &sealed.back(), tenant, intent,
          t0 + static_cast<std::int64_t>(written), "node-1", 1));
    }
    const auto verify_start = clock_type::now();
    if (!payintent::verify_audit(sealed).ok) return 1;
    hashing += seconds_since(verify_start);
    for (const auto& e : sealed) {
      auto text = [&](int at, const std::string& s) {
        sqlite3_bind_text(insert, at, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
      };
      text(1, e.tenant.str());
      text(2, e.intent.str());
      sqlite3_bind_int64(insert, 3, static_cast<sqlite3_int64>(e.sequence));
      sqlite3_bind_int64(insert, 4, e.time_ms);
      sqlite3_bind_int64(insert, 5, e.attempt_number);
      text(6, e.event);
      text(7, e.from);
      text(8, e.to);
      text(9, e.detail);
      text(10, e.node_id);
      sqlite3_bind_int64(insert, 11, static_cast<sqlite3_int64>(e.fence));
      text(12, e.prev_hash);
      text(13, e.hash);
      if (!ok(sqlite3_step(insert), db)) return 1;
      sqlite3_reset(insert);
    }
  }
  sqlite3_finalize(insert);
  if (!ok(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db)) return 1;
  sqlite3_close(db);
  const double writing = seconds_since(write_start);

  const auto start = clock_type::now();
  const double cpu_start = cpu_seconds();
  std::uint64_t broken = 0;
  auto report = payintent::verify_audit_chains(
      *store, {}, page,
      [&](const payintent::audit_entry&, const payintent::audit_verification&) { ++broken; });
  const double verifying = seconds_since(start);
  const double verifying_cpu = cpu_seconds() - cpu_start;
  if (!report || report.value().entries != entries || broken != 0) {
    fmt::print(stderr, "verification read {} entries, {} broken\n",
               report ? report.value().entries : 0, broken);
    return 1;
  }
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  boost::json::object out{{"bench", "audit_verify"},
                          {"store", "sqlite"},
                          {"entries", entries},
                          {"chains", report.value().chains},
                          {"page", page},
                          {"verify_seconds", verifying},
                          {"entries_per_second", static_cast<double>(entries) / verifying},
                          {"verify_cpu_seconds", verifying_cpu},
                          {"hash_only_seconds", hashing},
                          {"write_seconds", writing}};
  fmt::print("{}\n", boost::json::serialize(out));
  return 0;
}
