// A holder paused past its lease (docs/recovery.md: fencing). crash_child
// charges one key and holds the attempt while its authorization takes 2 s;
// it is stopped past its 300 ms lease, this process recovers the attempt
// under a new fence and settles the intent, then the holder resumes. Its
// outcome must be fenced out: the audit trail shows its late_outcome, the
// intent keeps the survivor's status, and money it moved after the survivor
// voided is voided again.
#include "harness.hpp"

#include "payintent/audit.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace payintent;
using namespace payintent::crash_test;
using namespace std::chrono_literals;

namespace {

// Waits (bounded) until the child's stdout holds `word` on a line.
bool wait_for_word(const std::string& out, const std::string& word) {
  for (int i = 0; i < 2000; ++i) {
    child_log log;
    log.read(out);
    if (log.words.count(word) > 0) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

struct holder_case {
  std::string where;              // crash_child hold mode
  intent_status survivor_status;  // what recovery decides while the holder sleeps
  std::vector<std::string> journal;  // the reference's journal lines, in order
};

void pause_the_holder(const holder_case& c) {
  INFO("holder " << c.where);
  scratch_dir dir;
  const auto db = crash_store(dir);
  const auto journal = dir.file("network.journal");
  const auto out = dir.file("holder.out");

  const pid_t pid = spawn_child({"hold", db, journal, c.where}, out);
  if (c.where == "stale_commit") {
    // The holder stops itself between loading the intent and committing its
    // outcome: the classic pause between a read and a write.
    const int stopped = wait_child(pid, true);
    REQUIRE_MESSAGE(WIFSTOPPED(stopped), describe(stopped));
    CHECK(wait_for_word(out, "committing"));
  } else {
    REQUIRE_MESSAGE(wait_for_word(out, "sent"), "the holder never sent its authorization");
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    const int stopped = wait_child(pid, true);
    REQUIRE_MESSAGE(WIFSTOPPED(stopped), describe(stopped));
  }
  std::this_thread::sleep_for(child_lease + 100ms);  // the lease expires by the store clock

  survivor s(db, journal);
  child_log log;
  log.read(out);
  REQUIRE(log.used.size() == 1);
  const std::string key = *log.used.begin();
  const auto report = s.recover_until_settled();
  CHECK(report.adopted + report.voided == 1);
  auto claimed_key = s.store().load_key(tenant_id(std::string(tenant)), idempotency_key(key));
  REQUIRE(claimed_key.has_value());
  REQUIRE(claimed_key.value().has_value());
  const intent_id id = claimed_key.value()->result.intent;
  auto settled = s.service().retrieve(tenant, id.str());
  REQUIRE(settled.has_value());
  CHECK(settled.value().status == c.survivor_status);

  REQUIRE(::kill(pid, SIGCONT) == 0);
  const int ended = wait_child(pid);
  REQUIRE_MESSAGE((WIFEXITED(ended) && WEXITSTATUS(ended) == 0), describe(ended));

  // The holder answered what the survivor decided, and could not change it.
  log = child_log();
  log.read(out);
  REQUIRE(log.acks.size() == 1);
  CHECK(log.acks[0].status == to_string(c.survivor_status));
  auto final_intent = s.store().load(tenant_id(std::string(tenant)), id);
  REQUIRE(final_intent.has_value());
  REQUIRE(final_intent.value().has_value());
  CHECK(final_intent.value()->status == c.survivor_status);
  const attempt& a = final_intent.value()->attempts.at(0);
  CHECK(a.node_id == "survivor");
  CHECK(a.fence == 2);

  auto trail = s.store().audit_trail(final_intent.value()->tenant, id);
  REQUIRE(trail.has_value());
  const auto late = std::find_if(trail.value().begin(), trail.value().end(),
                                 [](const audit_entry& e) { return e.event == "late_outcome"; });
  REQUIRE_MESSAGE(late != trail.value().end(), "no late_outcome in the audit trail");
  CHECK(late->node_id == "holder");
  CHECK(late->to == "approved");
  CHECK(verify_audit(trail.value()).ok);

  // The money trail: in_transit's authorization arrived after the survivor's
  // void, so the holder voided it again (the last line is its void).
  const auto references = read_journal(journal);
  const std::string reference = attempt_reference(id, 1);
  REQUIRE(references.count(reference) == 1);
  CHECK(references.at(reference).verbs == c.journal);
  CHECK(s.network().voids() == (c.survivor_status == intent_status::failed ? 1u : 0u));

  check_survival(s, db, journal, log);
}

}  // namespace

TEST_CASE("paused holder: the network has its authorization; the survivor adopts it") {
  pause_the_holder({"in_network", intent_status::succeeded, {"authorize"}});
}

TEST_CASE("paused holder: its authorization is still in transit; the survivor voids, so does it") {
  pause_the_holder({"in_transit", intent_status::failed, {"void", "authorize", "void"}});
}

TEST_CASE("paused between reading the intent and writing its outcome: the store fences it") {
  pause_the_holder({"stale_commit", intent_status::succeeded, {"authorize"}});
}
