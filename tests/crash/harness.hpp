// The crash tests' side of the fence: start crash_child, read what it
// acknowledged, recover its store in this process, and check that the crash
// lost nothing acknowledged and moved no money twice. The store is named by a
// spec (examples/storm/store_spec): an SQLite file, or, in the tests built
// with PAYINTENT_CRASH_ON_POSTGRES, a fresh PostgreSQL schema.
#pragma once

#include "crash_plan.hpp"

#include "payintent/idempotency_store.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/testing/fake_card_network.hpp"
#ifdef PAYINTENT_CRASH_ON_POSTGRES
#include "postgres_fixture.hpp"
#endif

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace payintent::crash_test {

// A fresh directory under the system temp dir, removed with its contents.
class scratch_dir {
 public:
  scratch_dir();
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  std::string file(const std::string& name) const;

 private:
  std::string path_;
};

// The store spec a crash test hands its children and survivor: a file in
// `dir`, or a fresh schema of this executable's PostgreSQL database.
inline std::string crash_store(const scratch_dir& dir) {
#ifdef PAYINTENT_CRASH_ON_POSTGRES
  (void)dir;
  return "postgres:" + postgres_test::test_database::get().fresh_schema();
#else
  return "sqlite:" + dir.file("store.db");
#endif
}

// Starts crash_child with `args`, its stdout going to `stdout_path`
// (truncated), its stderr shared with this process.
pid_t spawn_child(const std::vector<std::string>& args, const std::string& stdout_path);
// Waits for `pid` to end (or, with `stopped`, to stop) and returns its status.
int wait_child(pid_t pid, bool stopped = false);
// "exited 3", "killed by signal 9", ... for failure messages.
std::string describe(int wait_status);
bool killed_by_sigkill(int wait_status);

struct ack {
  std::string key, intent, status;
};

// What children said on stdout ("use <key>", "ack <key> <intent> <status>",
// and the mode's own words), merged over every child read into it.
struct child_log {
  std::set<std::string> used;
  std::vector<ack> acks;
  std::multiset<std::string> words;  // every other line
  void read(const std::string& path);
};

// One reference as the card network's journal tells it, lines in order.
struct journal_reference {
  std::size_t authorizations = 0;
  std::size_t voids = 0;
  std::vector<std::string> verbs;  // "authorize", "void", in journal order
};
std::map<std::string, journal_reference> read_journal(const std::string& path);

// The process that survives: the same store (a spec) and journal, a fresh fake
// network (zero latency; its lookup reads the journal on a miss), and a store
// clock that runs `skew` ahead of the system clock, so the test moves past
// leases without sleeping.
class survivor {
 public:
  survivor(const std::string& db, const std::string& journal, std::string node = "survivor");
  ~survivor();

  void advance_clock(std::chrono::milliseconds by);
  // recover() until a pass makes no progress, moving the clock past any
  // lease or backoff still in the way once. Sums the passes.
  recovery_report recover_until_settled();

  idempotency_store& store() { return *store_; }
  testing::fake_card_network& network() { return network_; }
  payment_service& service() { return *service_; }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> skew_;
  std::unique_ptr<idempotency_store> store_;
  testing::fake_card_network network_;
  std::optional<payment_service> service_;
};

// What a survival check saw, for the test's report.
struct survival_figures {
  std::size_t intents = 0;
  std::size_t authorizations = 0;  // journal lines
  std::size_t voids = 0;           // journal lines
  std::size_t kept = 0;            // authorizations no void reverses
  std::size_t keys_replayed = 0;
  std::size_t keys_fresh = 0;  // absent (purged or never claimed): charged anew
  std::size_t acks = 0;
  std::map<std::string, std::size_t> statuses;  // final status -> intents
  std::map<std::string, std::size_t> events;    // audit event -> entries, all intents
  recovery_report recovered;
};

// Recovers the child's leftovers, retries every key the child used, settles
// again, then checks (with doctest CHECKs naming the intent or key):
//  - every authorization in the journal belongs to an attempt in the file,
//    and no reference is authorized twice;
//  - per intent at most one authorization is kept (not voided); exactly one,
//    under its authorized attempt, when it succeeded; none when it failed or
//    was canceled;
//  - every intent is final or requires_review, and its audit chain verifies;
//  - every used key replays its intent, or is absent and charges anew
//    (absent acknowledged keys only when `keys_may_be_purged`);
//  - every acknowledged intent exists, one intent per key, and an
//    acknowledged success is still a success.
survival_figures check_survival(survivor& s, const std::string& db, const std::string& journal,
                                const child_log& log, bool keys_may_be_purged = false);

}  // namespace payintent::crash_test
