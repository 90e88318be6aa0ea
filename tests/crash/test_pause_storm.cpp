// A pause storm (issue 19): two crash_child processes charge one store with
// a recovery loop each, network answers of 0-600 ms and slow store commits,
// while the parent SIGSTOPs one of them for 100-900 ms at a time (past the
// 300 ms lease) and SIGCONTs it, so holders wake after recovery took their
// attempts over and report late outcomes. Every few rounds a child is
// SIGKILLed and replaced, so keys slide to the next generation. Then one
// survivor recovers and check_survival holds the intents against the
// network's journal: succeeded <=> exactly one live authorization, failed or
// canceled <=> none.
//
//   PAYINTENT_PAUSE_ROUNDS=<n>   pauses (default 40, as CI runs)
//   PAYINTENT_CRASH_SEED=<n>     replays a schedule (the OS scheduling varies)
#include "harness.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

using namespace payintent;
using namespace payintent::crash_test;
using namespace std::chrono_literals;

namespace {

constexpr int default_rounds = 40;
constexpr int rounds_per_generation = 5;  // a child is replaced this often
constexpr int child_threads = 3;
constexpr int window_keys = 24;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::size_t count(const std::map<std::string, std::size_t>& m, const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("pause storm: holders stopped across their lease; the journal agrees with every intent") {
  const int rounds = env_int("PAYINTENT_PAUSE_ROUNDS", default_rounds);
  const auto seed = static_cast<std::uint64_t>(env_int("PAYINTENT_CRASH_SEED", 20261219));
  fmt::print("pause storm: {} rounds, seed {} (replay: PAYINTENT_CRASH_SEED={})\n", rounds, seed,
             seed);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pause_ms(100, 900), run_ms(0, 150), which(0, 1);

  scratch_dir dir;
  const auto db = crash_store(dir);
  const auto journal = dir.file("network.journal");
  int generation = 0;
  child_log log;
  struct slot {
    pid_t pid = -1;
    std::string out;
  };
  auto start = [&](slot& s) {
    s.out = dir.file(fmt::format("child-{}.out", generation));
    s.pid = spawn_child({"pause_storm", db, journal, std::to_string(generation),
                         std::to_string(child_threads), std::to_string(window_keys),
                         std::to_string(seed + 1000 * static_cast<std::uint64_t>(generation))},
                        s.out);
    ++generation;
  };
  auto end = [&](slot& s) {
    ::kill(s.pid, SIGCONT);
    ::kill(s.pid, SIGKILL);
    const int status = wait_child(s.pid);
    CHECK_MESSAGE(killed_by_sigkill(status), "pause storm child: " << describe(status));
    log.read(s.out);
  };

  const auto began = std::chrono::steady_clock::now();
  slot children[2];
  for (auto& c : children) start(c);
  int pauses = 0;
  for (int round = 1; round <= rounds; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
    slot& c = children[which(rng)];
    REQUIRE(::kill(c.pid, SIGSTOP) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    REQUIRE(::kill(c.pid, SIGCONT) == 0);
    ++pauses;
    if (round % rounds_per_generation == 0) {
      slot& old = children[which(rng)];
      std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
      end(old);
      start(old);
    }
  }
  std::this_thread::sleep_for(700ms);  // the last woken holders record, late or not
  for (auto& c : children) end(c);
  const std::chrono::duration<double> storm_seconds = std::chrono::steady_clock::now() - began;
  CHECK_FALSE(log.acks.empty());

  survivor s(db, journal);
  s.advance_clock(child_lease + 100ms);
  const auto f = check_survival(s, db, journal, log);

  std::string statuses;
  for (const auto& [name, n] : f.statuses) statuses += fmt::format(" {} {}", name, n);
  fmt::print(
      "pause storm: {} pauses, {} children in {:.1f} s; {} keys used, {} acks; {} intents "
      "({}); {} authorizations, {} voids, {} kept; takeovers {}, late outcomes {}\n",
      pauses, generation, storm_seconds.count(), log.used.size(), f.acks, f.intents,
      statuses.substr(1), f.authorizations, f.voids, f.kept, count(f.events, "attempt.takeover"),
      count(f.events, "late_outcome"));
  CHECK(count(f.events, "late_outcome") > 0);  // the storm reached the late paths
}
