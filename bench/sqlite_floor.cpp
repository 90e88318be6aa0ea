// sqlite_floor: what a charge's durable commits cost in SQLite by hand.
//
//   sqlite_floor --path PATH [--threads N] [--seconds S] [--batch B]
//
// The lower bound payintent_bench --store sqlite:PATH is measured against
// (docs/benchmarks.md). Each charge is the two transactions the SQLite store
// commits for a charge, with the same schema, WAL, synchronous=FULL, rows and
// row sizes, written with raw prepared statements and precomputed hashes:
//
//   claim:   BEGIN IMMEDIATE; insert key, intent (processing), attempt
//            (init), 3 audit rows, the payment_intent.processing event;
//            COMMIT
//   outcome: BEGIN IMMEDIATE; read the intent's version and the attempt's
//            fence; update intent (succeeded) and attempt (authorized);
//            2 audit rows, the payment_intent.succeeded event; COMMIT
//
// --batch B: each thread writes B charges per transaction (B claims in one,
// then their B outcomes in one): the physical limit of a group commit of B
// writes, one fsync per B. Latency is then that of a whole batch.
//
// Keys are spelled as payintent_bench's are (one sequence per writer) and
// intent ids come from payintent::generate_intent_id, so the rows land in
// the same B-tree pages as the library's.
// No validation, fingerprinting, hashing, engine or network: the difference
// to payintent_bench is the library's own cost. One connection per thread;
// lock waits use SQLite's busy timeout, and a transaction that still finds
// the lock taken is rolled back and retried. Prints one JSON line like
// payintent_bench. Keep the schema in step with adapters/sqlite/src/schema.cpp.
#include "common/cli.hpp"
#include "payintent/ids.hpp"

#include <sqlite3.h>

#include <fmt/core.h>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr const char* schema_sql = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE intents (
  tenant TEXT NOT NULL, id TEXT NOT NULL, amount INTEGER NOT NULL, currency TEXT NOT NULL,
  status INTEGER NOT NULL, payment_method TEXT NOT NULL, description TEXT NOT NULL,
  metadata TEXT NOT NULL, last_error_code TEXT, last_error_decline_code TEXT,
  last_error_message TEXT, next_action_type TEXT, next_action_redirect_url TEXT,
  next_action_sdk_payload TEXT, next_action_3ds_trans_id TEXT, version INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  capture_method INTEGER NOT NULL DEFAULT 1, cancellation_reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant, id));
CREATE TABLE attempts (
  tenant TEXT NOT NULL, intent_id TEXT NOT NULL, number INTEGER NOT NULL,
  reference TEXT NOT NULL, state INTEGER NOT NULL, payment_method TEXT NOT NULL,
  decline_code TEXT NOT NULL, network_transaction_id TEXT NOT NULL, fence INTEGER NOT NULL,
  lease_expires_at INTEGER NOT NULL, node_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, kind INTEGER NOT NULL DEFAULT 1,
  amount INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant, intent_id, number));
CREATE INDEX attempts_unresolved ON attempts (lease_expires_at)
  WHERE state = 1 OR state = 5 OR state = 6;
CREATE TABLE idempotency_keys (
  tenant TEXT NOT NULL, "key" TEXT NOT NULL, op INTEGER NOT NULL, fingerprint TEXT NOT NULL,
  fingerprint_version INTEGER NOT NULL, result_code INTEGER NOT NULL,
  result_message TEXT NOT NULL, result_intent TEXT NOT NULL, result_attempt INTEGER NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (tenant, "key"));
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
CREATE TABLE audit (
  tenant TEXT NOT NULL, intent_id TEXT NOT NULL, sequence INTEGER NOT NULL,
  time_ms INTEGER NOT NULL, attempt INTEGER NOT NULL, event TEXT NOT NULL,
  from_state TEXT NOT NULL, to_state TEXT NOT NULL, detail TEXT NOT NULL, node_id TEXT NOT NULL,
  fence INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  PRIMARY KEY (tenant, intent_id, sequence));
CREATE INDEX intents_requires_action ON intents (updated_at) WHERE status = 3;
CREATE INDEX intents_requires_capture ON intents (tenant, id) WHERE status = 8;
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, type TEXT NOT NULL,
  tenant TEXT NOT NULL, intent_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  snapshot TEXT NOT NULL);
CREATE INDEX events_id ON events (id);
CREATE TABLE event_consumers (
  name TEXT PRIMARY KEY, position INTEGER NOT NULL, updated_at INTEGER NOT NULL);
PRAGMA user_version = 6;
)sql";

constexpr const char* insert_key_sql =
    "INSERT INTO idempotency_keys VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* insert_intent_sql =
    "INSERT INTO intents VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?16, ?17, ?18, ?19, ?20)";
constexpr const char* insert_attempt_sql =
    "INSERT INTO attempts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?16)";
constexpr const char* insert_event_sql =
    "INSERT INTO events (id, type, tenant, intent_id, created_at, snapshot) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* insert_audit_sql =
    "INSERT INTO audit VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr const char* select_fence_sql =
    "SELECT i.version, a.fence FROM intents AS i JOIN attempts AS a ON a.tenant = i.tenant AND "
    "a.intent_id = i.id AND a.number = ?3 WHERE i.tenant = ?1 AND i.id = ?2";
constexpr const char* update_intent_sql =
    "UPDATE intents SET status = ?3, version = ?4, updated_at = ?5 WHERE tenant = ?1 AND id = ?2";
constexpr const char* update_attempt_sql =
    "UPDATE attempts SET state = ?4, network_transaction_id = ?5, lease_expires_at = 0, "
    "updated_at = ?6 WHERE tenant = ?1 AND intent_id = ?2 AND number = ?3";

// Precomputed stand-ins for the SHA-256 hex strings the library computes.
const std::string fingerprint(64, 'f');
const std::string hashes[6] = {std::string(64, '0'), std::string(64, '1'), std::string(64, '2'),
                               std::string(64, '3'), std::string(64, '4'), std::string(64, '5')};
constexpr std::string_view tenant = "bench";
constexpr std::string_view node = "bench";
constexpr std::int64_t lease_ms = 30'000;
constexpr std::int64_t retention_ms = 24 * 3600 * 1000;

struct null_t {};

void bind_one(sqlite3_stmt* s, int i, std::int64_t v) {
  sqlite3_bind_int64(s, i, v);
}
void bind_one(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void bind_one(sqlite3_stmt* s, int i, null_t) {
  sqlite3_bind_null(s, i);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

[[noreturn]] void die(sqlite3* db, std::string_view what) {
  fmt::print(stderr, "sqlite_floor: {}: {}\n", what, db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

// One thread's connection and its statements, prepared once.
class floor_connection {
 public:
  explicit floor_connection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      die(db_, "open");
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA synchronous = FULL");
    for (auto [slot, sql] : {std::pair{&begin_, "BEGIN IMMEDIATE"},
                             {&commit_, "COMMIT"},
                             {&insert_key_, insert_key_sql},
                             {&insert_intent_, insert_intent_sql},
                             {&insert_attempt_, insert_attempt_sql},
                             {&insert_audit_, insert_audit_sql},
                             {&insert_event_, insert_event_sql},
                             {&select_fence_, select_fence_sql},
                             {&update_intent_, update_intent_sql},
                             {&update_attempt_, update_attempt_sql}}) {
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, nullptr) != SQLITE_OK)
        die(db_, sql);
    }
  }
  ~floor_connection() {
    for (auto* s : {begin_, commit_, insert_key_, insert_intent_, insert_attempt_, insert_audit_,
                    insert_event_, select_fence_, update_intent_, update_attempt_}) {
      sqlite3_finalize(s);
    }
    sqlite3_close_v2(db_);
  }
  floor_connection(const floor_connection&) = delete;
  floor_connection& operator=(const floor_connection&) = delete;

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) die(db_, sql);
  }

  struct charge_ids {
    std::string key, intent, reference;
  };

  // Charges: one transaction with every claim, then one with every outcome.
  void charge(const std::vector<charge_ids>& batch) {
    transaction([&](std::int64_t now) {
      for (const auto& c : batch) claim(c.key, c.intent, c.reference, now);
    });
    transaction([&](std::int64_t now) {
      for (const auto& c : batch) outcome(c.intent, now);
    });
  }

  std::int64_t busy_retries() const { return busy_retries_; }

 private:
  void claim(std::string_view key, std::string_view intent, std::string_view reference,
             std::int64_t now) {
    run(insert_key_, tenant, key, 3, fingerprint, 1, 0, "", intent, 1, now, now + retention_ms);
    run(insert_intent_, tenant, intent, 1999, "EUR", 2, "pm_card_visa", "", "{}", null_t{},
        null_t{}, null_t{}, null_t{}, null_t{}, null_t{}, null_t{}, 1, now, now, 1, "");
    run(insert_attempt_, tenant, intent, 1, reference, 1, "pm_card_visa", "", "", 1, now + lease_ms,
        node, now, now, 1, 0, "");
    audit(intent, 1, now, 0, "intent.created", "", "created", 1);
    audit(intent, 2, now, 0, "intent.processing", "created", "processing", 1);
    audit(intent, 3, now, 1, "attempt.init", "", "init", 1);
    event(0, "payment_intent.processing", intent, reference, now, 2, 1, "", now + lease_ms);
  }

  void outcome(std::string_view intent, std::int64_t now) {
    bind_all(select_fence_, tenant, intent, 1);
    if (sqlite3_step(select_fence_) != SQLITE_ROW) die(db_, "outcome: no attempt");
    const bool held =
        sqlite3_column_int64(select_fence_, 0) == 1 && sqlite3_column_int64(select_fence_, 1) == 1;
    sqlite3_reset(select_fence_);
    if (!held) die(db_, "outcome: version or fence moved");
    run(update_intent_, tenant, intent, 4, 2, now);
    run(update_attempt_, tenant, intent, 1, 2, "ntx_0123456789abcdef", now);
    audit(intent, 4, now, 1, "attempt.authorized", "init", "authorized", 1);
    audit(intent, 5, now, 0, "intent.succeeded", "processing", "succeeded", 1);
    event(1, "payment_intent.succeeded", intent, fmt::format("{}-a1", intent), now, 4, 2,
          "ntx_0123456789abcdef", 0);
  }

  // An event row as the store writes it: the snapshot is the intent's row
  // and its attempt's, spelled as the store spells them (about 310 bytes).
  // `which`: 0 for the claim's event, 1 for the outcome's.
  void event(int which, std::string_view type, std::string_view intent, std::string_view reference,
             std::int64_t now, int status, int state, std::string_view transaction,
             std::int64_t lease) {
    const auto snapshot = fmt::format(
        R"([["{0}","{1}",1999,"EUR",{2},"pm_card_visa","","{{}}",null,null,null,null,null,null,)"
        R"(null,{3},{4},{4},1,""],["{0}","{1}",1,"{5}",{6},"pm_card_visa","","{7}",1,{8},"{9}",)"
        R"({4},{4},1,0,""]])",
        tenant, intent, status, status == 2 ? 1 : 2, now, reference, state, transaction, lease,
        node);
    // Unique and scattered like the store's SHA-256 ids, so the events_id
    // index grows the same way: the intent id backwards (its random part
    // first; it starts with the time).
    std::string id = fmt::format("evt_{}", which);
    id.append(intent.rbegin(), intent.rend() - 4);
    run(insert_event_, id, type, tenant, intent, now, snapshot);
  }

  template <class... A>
  static void bind_all(sqlite3_stmt* s, const A&... args) {
    int i = 0;
    (bind_one(s, ++i, args), ...);
  }

  template <class... A>
  void run(sqlite3_stmt* s, const A&... args) {
    bind_all(s, args...);
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) die(db_, sqlite3_sql(s));
  }

  void audit(std::string_view intent, std::int64_t sequence, std::int64_t now, std::int64_t attempt,
             std::string_view event, std::string_view from, std::string_view to,
             std::int64_t fence) {
    run(insert_audit_, tenant, intent, sequence, now, attempt, event, from, to, "", node, fence,
        hashes[sequence - 1], hashes[sequence]);
  }

  // BEGIN IMMEDIATE, body, COMMIT; a BEGIN still busy after the busy timeout
  // is retried, as the library retries a busy transaction.
  template <class F>
  void transaction(F&& body) {
    for (;;) {
      const int rc = sqlite3_step(begin_);
      sqlite3_reset(begin_);
      if (rc == SQLITE_DONE) break;
      if ((rc & 0xff) != SQLITE_BUSY) die(db_, "BEGIN IMMEDIATE");
      ++busy_retries_;
    }
    body(now_ms());
    const int rc = sqlite3_step(commit_);
    sqlite3_reset(commit_);
    if (rc != SQLITE_DONE) die(db_, "COMMIT");
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt *begin_ = nullptr, *commit_ = nullptr, *insert_key_ = nullptr,
               *insert_intent_ = nullptr, *insert_attempt_ = nullptr, *insert_audit_ = nullptr,
               *insert_event_ = nullptr, *select_fence_ = nullptr, *update_intent_ = nullptr,
               *update_attempt_ = nullptr;
  std::int64_t busy_retries_ = 0;
};

constexpr std::string_view usage_text =
    "usage: sqlite_floor --path PATH [--threads N] [--seconds S] [--batch B]\n";

int usage(const char* why) {
  return payintent::cli::usage_error("sqlite_floor", why, usage_text);
}

double percentile(std::vector<std::int64_t>& v, double q) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  int threads = 1;
  int batch = 1;
  double seconds = 5;
  const auto exit_code = payintent::cli::parse_flags(
      argc, argv, "sqlite_floor", usage_text, [&](std::string_view flag, std::string_view value) {
        if (flag == "--path") {
          path = value;
        } else if (flag == "--threads") {
          threads = payintent::cli::parse_int<int>(value, 1, 4096).value_or(0);
        } else if (flag == "--batch") {
          batch = payintent::cli::parse_int<int>(value, 1, 4096).value_or(0);
        } else if (flag == "--seconds") {
          seconds = std::atof(std::string(value).c_str());
        } else {
          return false;
        }
        return true;
      });
  if (exit_code) return *exit_code;
  if (path.empty() || threads < 1 || batch < 1 || seconds <= 0) {
    return usage("path, threads, batch and seconds needed");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) die(db, "create");
    if (sqlite3_exec(db, schema_sql, nullptr, nullptr, nullptr) != SQLITE_OK) die(db, "schema");
    sqlite3_close(db);
  }

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> busy{0};
  std::vector<std::vector<std::int64_t>> latencies(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      floor_connection conn(path);
      auto& mine = latencies[static_cast<std::size_t>(t)];
      mine.reserve(1 << 20);
      std::vector<floor_connection::charge_ids> ids(static_cast<std::size_t>(batch));
      for (std::int64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        for (std::size_t slot = 0; slot < ids.size(); ++slot) {
          auto& c = ids[slot];
          // As payintent_bench names them: the key of its thread `slot`'s
          // n-th charge, and an intent id from the library's generator, so
          // the rows land in the B-trees where the library's do.
          c.key = fmt::format("bench-{}-{}", t * batch + static_cast<int>(slot), n);
          c.intent = payintent::generate_intent_id().str();
          c.reference = c.intent + "-a1";
        }
        const auto t0 = std::chrono::steady_clock::now();
        conn.charge(ids);
        const auto t1 = std::chrono::steady_clock::now();
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
        mine.insert(mine.end(), ids.size(), ns);  // every charge of the batch took this long
      }
      busy += conn.busy_retries();
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<std::int64_t> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  const auto charges = static_cast<std::int64_t>(all.size());
  boost::json::object out;
  out["store"] = "sqlite-floor:" + path;
  out["threads"] = threads;
  out["batch"] = batch;
  out["seconds"] = elapsed;
  out["charges"] = charges;
  out["busy_retries"] = busy.load();
  out["charges_per_s"] = static_cast<double>(charges) / elapsed;
  out["p50_us"] = percentile(all, 0.50);
  out["p99_us"] = percentile(all, 0.99);
  fmt::print("{}\n", boost::json::serialize(out));
  return 0;
}
