#include "harness.hpp"

#include "storm/store_spec.hpp"

#include "payintent/audit.hpp"
#include "support/spawn.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sqlite3.h>
#ifdef PAYINTENT_CRASH_HARNESS_POSTGRES
#include <libpq-fe.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace payintent::crash_test {

scratch_dir::scratch_dir() {
  auto pattern = (std::filesystem::temp_directory_path() / "payintent-crash-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

scratch_dir::~scratch_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string scratch_dir::file(const std::string& name) const {
  return path_ + "/" + name;
}

pid_t spawn_child(const std::vector<std::string>& args, const std::string& stdout_path) {
  int error = 0;
  const pid_t pid = test::spawn_program(PAYINTENT_CRASH_CHILD, args, stdout_path, false, error);
  REQUIRE_MESSAGE(pid > 0, "posix_spawn " << PAYINTENT_CRASH_CHILD << ": " << std::strerror(error));
  return pid;
}

int wait_child(pid_t pid, bool stopped) {
  int status = 0;
  while (::waitpid(pid, &status, stopped ? WUNTRACED : 0) < 0) {
    REQUIRE(errno == EINTR);
  }
  return status;
}

std::string describe(int s) {
  if (WIFEXITED(s)) return "exited " + std::to_string(WEXITSTATUS(s));
  if (WIFSIGNALED(s)) return "killed by signal " + std::to_string(WTERMSIG(s));
  if (WIFSTOPPED(s)) return "stopped by signal " + std::to_string(WSTOPSIG(s));
  return "status " + std::to_string(s);
}

bool killed_by_sigkill(int s) {
  return WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL;
}

void child_log::read(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string verb;
    fields >> verb;
    if (verb == "use") {
      std::string key;
      if (fields >> key) used.insert(key);
    } else if (verb == "ack") {
      ack a;
      // A SIGKILL cannot tear a line (one write(2) each), but check anyway.
      if (fields >> a.key >> a.intent >> a.status) acks.push_back(std::move(a));
    } else if (!line.empty()) {
      words.insert(line);
    }
  }
}

std::map<std::string, journal_reference> read_journal(const std::string& path) {
  std::map<std::string, journal_reference> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string verb, reference;
    if (!(fields >> verb >> reference)) continue;
    auto& r = out[reference];
    r.verbs.push_back(verb);
    if (verb == "authorize") ++r.authorizations;
    if (verb == "void") ++r.voids;
  }
  return out;
}

survivor::survivor(const std::string& db, const std::string& journal, std::string node)
    : skew_(std::make_shared<std::atomic<std::int64_t>>(0)),
      network_(testing::fake_network_options{.journal_path = journal}) {
  auto parsed = storm::parse_store_spec(db);
  REQUIRE(std::holds_alternative<storm::store_spec>(parsed));
  auto spec = std::get<storm::store_spec>(parsed);
  spec.clock = [skew = skew_] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() +
           skew->load();
  };
  auto opened = storm::open_store(spec);
  REQUIRE_MESSAGE(opened.has_value(), "survivor cannot open " << db);
  store_ = std::move(opened).value();
  service_options options;
  options.node_id = std::move(node);
  options.attempt_lease = child_lease;
  options.recovery_backoff = {std::chrono::milliseconds(50), std::chrono::milliseconds(100)};
  options.network_timeout = std::chrono::seconds(2);
  service_.emplace(*store_, network_, options);
}

survivor::~survivor() {
  service_.reset();
}

void survivor::advance_clock(std::chrono::milliseconds by) {
  skew_->fetch_add(by.count());
}

recovery_report survivor::recover_until_settled() {
  recovery_report total;
  bool nudged = false;
  for (int pass = 0; pass < 100; ++pass) {
    auto r = service_->recover(1000);
    REQUIRE(r.has_value());
    const recovery_report& p = r.value();
    total.examined += p.examined;
    total.adopted += p.adopted;
    total.voided += p.voided;
    total.retried += p.retried;
    total.reviewed += p.reviewed;
    total.skipped += p.skipped;
    total.errors += p.errors;
    if (p.adopted + p.voided + p.retried + p.reviewed + p.errors > 0) {
      nudged = false;
      continue;
    }
    // Nothing moved: a lease or a backoff may still stand in the way (or
    // only attempts parked for review are left). Move past them once.
    if (p.skipped == 0 || nudged) break;
    advance_clock(child_lease + std::chrono::seconds(2));
    nudged = true;
  }
  return total;
}

namespace {

// (tenant, id) of every intent in the store, read past the store's API.
std::vector<std::pair<std::string, std::string>> intents_in_file(const std::string& spec) {
  constexpr const char* sql = "SELECT tenant, id FROM intents ORDER BY created_at";
  std::vector<std::pair<std::string, std::string>> out;
#ifdef PAYINTENT_CRASH_HARNESS_POSTGRES
  if (spec.starts_with("postgres:")) {
    PGconn* conn = PQconnectdb(spec.substr(9).c_str());
    PGresult* res = PQexec(conn, sql);
    const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    for (int i = 0; ok && i < PQntuples(res); ++i) {
      out.emplace_back(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    }
    PQclear(res);
    PQfinish(conn);
    REQUIRE(ok);
    return out;
  }
#endif
  const auto db = spec.substr(spec.find(':') + 1);
  sqlite3* conn = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(conn, sql, -1, &stmt, nullptr) == SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                     reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(conn);
  return out;
}

// The intent a reference "<intent>-a<n>" belongs to.
std::string intent_of(const std::string& reference) {
  return reference.substr(0, reference.rfind("-a"));
}

bool is_final(intent_status s) {
  return s == intent_status::succeeded || s == intent_status::failed ||
         s == intent_status::canceled || s == intent_status::requires_review;
}

// Retries every key the child used with its parameters; counts into `f`.
void retry_used_keys(survivor& s, const child_log& log, bool keys_may_be_purged,
                     survival_figures& f) {
  std::map<std::string, std::set<std::string>> acked;  // key -> intents acknowledged
  for (const auto& a : log.acks) acked[a.key].insert(a.intent);
  for (const auto& [key, intents] : acked) {
    INFO("key " << key);
    CHECK_MESSAGE(intents.size() == 1, "one key was acknowledged with several intents");
  }
  for (const auto& key : log.used) {
    INFO("key " << key);
    auto p = params_for_key(key);
    p.wait_budget = std::chrono::milliseconds(0);
    diagnostics diag;
    auto r = s.service().charge(tenant, key, p, &diag);
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << ": " << diag.message);
    const auto it = acked.find(key);
    if (r.value().replayed) {
      ++f.keys_replayed;
      if (it != acked.end()) CHECK(it->second.count(r.value().intent.id.str()) == 1);
    } else {
      ++f.keys_fresh;
      // Absent: never claimed, or purged. An acknowledged key was claimed.
      if (it != acked.end()) {
        CHECK_MESSAGE(keys_may_be_purged, "an acknowledged key vanished");
        CHECK(it->second.count(r.value().intent.id.str()) == 0);
      }
    }
  }
}

}  // namespace

survival_figures check_survival(survivor& s, const std::string& db, const std::string& journal,
                                const child_log& log, bool keys_may_be_purged) {
  survival_figures f;
  f.acks = log.acks.size();
  f.recovered = s.recover_until_settled();
  retry_used_keys(s, log, keys_may_be_purged, f);
  const recovery_report again = s.recover_until_settled();  // fresh charges' unknowns
  f.recovered.adopted += again.adopted;
  f.recovered.voided += again.voided;
  f.recovered.reviewed += again.reviewed;

  const auto references = read_journal(journal);
  std::map<std::string, std::vector<std::string>> references_by_intent;
  for (const auto& [reference, seen] : references) {
    f.authorizations += seen.authorizations;
    f.voids += seen.voids;
    references_by_intent[intent_of(reference)].push_back(reference);
    INFO("reference " << reference);
    CHECK_MESSAGE(seen.authorizations <= 1, "one attempt was authorized twice");
  }

  std::map<std::string, intent_status> status_of;
  for (const auto& [tenant_name, id] : intents_in_file(db)) {
    INFO("intent " << id);
    ++f.intents;
    auto loaded = s.store().load(tenant_id(tenant_name), intent_id(id));
    REQUIRE(loaded.has_value());
    REQUIRE(loaded.value().has_value());
    const payment_intent& intent = *loaded.value();
    status_of[id] = intent.status;
    ++f.statuses[std::string(to_string(intent.status))];
    CHECK_MESSAGE(is_final(intent.status), "left in status " << to_string(intent.status));

    auto trail = s.store().audit_trail(intent.tenant, intent.id);
    REQUIRE(trail.has_value());
    CHECK_FALSE(trail.value().empty());
    for (const auto& e : trail.value()) ++f.events[e.event];
    const auto verified = verify_audit(trail.value());
    CHECK_MESSAGE(verified.ok,
                  "audit entry " << verified.first_broken_sequence << ": " << verified.reason);

    // Money: what the journal kept for this intent.
    std::size_t kept = 0;
    std::string kept_reference;
    for (const auto& reference : references_by_intent[id]) {
      const auto& seen = references.at(reference);
      if (seen.authorizations > 0 && seen.voids == 0) {
        kept += seen.authorizations;
        kept_reference = reference;
      }
    }
    f.kept += kept;
    CHECK_MESSAGE(kept <= 1, kept << " authorizations kept for one intent");
    if (intent.status == intent_status::succeeded) {
      CHECK_MESSAGE(kept == 1, "succeeded, but the network kept " << kept << " authorizations");
      const attempt* last = intent.latest_attempt();
      REQUIRE(last != nullptr);
      CHECK(last->state == attempt_state::authorized);
      CHECK(last->reference == kept_reference);
    } else if (intent.status == intent_status::failed || intent.status == intent_status::canceled) {
      CHECK_MESSAGE(kept == 0, to_string(intent.status) << ", but the network kept money");
    }
  }

  // No authorization without an attempt written before it (docs/recovery.md).
  for (const auto& [id, refs] : references_by_intent) {
    INFO("journal reference " << refs.front());
    CHECK_MESSAGE(status_of.count(id) == 1, "money moved for an intent the file does not have");
  }

  for (const auto& a : log.acks) {
    INFO("acknowledged " << a.key << " " << a.intent << " " << a.status);
    const auto it = status_of.find(a.intent);
    REQUIRE_MESSAGE(it != status_of.end(), "an acknowledged intent is gone");
    if (a.status == "succeeded") CHECK(it->second == intent_status::succeeded);
  }
  return f;
}

}  // namespace payintent::crash_test
