// crash_child: the process the crash tests kill. It charges against a store
// (<db> is a store spec, "sqlite:PATH" or "postgres:CONNINFO") with a fake
// card network that journals every authorization, and says
// on stdout (unbuffered, one write(2) a line) each key before it uses it and
// each answer it acknowledges:
//
//   use <key>
//   ack <key> <intent> <status>
//
// Modes:
//   crash_child point <db> <journal> <crash point>
//       Reaches the named crash point (testing/crash_points.hpp) and dies there
//       by SIGKILL from the crash hook. Prints "survived" and exits 3 when the
//       point was never reached. The store.* points are reached by concurrent
//       charges (groups form only when writes queue).
//   crash_child storm <db> <journal> <generation> <threads> <keys> <seed>
//       Threads charge random keys of a sliding window while a recovery loop
//       runs, until the parent kills the process.
//   crash_child pause_storm <db> <journal> <generation> <threads> <keys> <seed>
//       As storm, for a parent that SIGSTOPs and SIGCONTs it across its
//       lease: network answers take 0-600 ms (past the 300 ms lease) and one
//       store commit in four takes up to 150 ms more, so holders wake late
//       and meet attempts recovery took over.
//   crash_child follow_up <db> <journal> <capture|release|refund> <crash point>
//       Authorizes one manual intent (and, for refund, captures it), then
//       captures part of it, cancels it (a release) or refunds part of it,
//       dying at the named point of that call (claim.committed,
//       <kind>.sent, outcome.received, outcome.committed). Prints
//       "survived" and exits 3 when the point was never reached.
//   crash_child hold <db> <journal> <in_network|in_transit|stale_commit>
//       Charges one key whose authorization takes 2 s, announcing "sent" when
//       it has left, so the parent can SIGSTOP it past its lease. in_network:
//       the network has it at once (a lookup finds it); in_transit: it arrives
//       only after the 2 s (a lookup made meanwhile finds nothing).
//       stale_commit: the answer comes in 20 ms, and the process stops itself
//       (SIGSTOP, after saying "committing") between loading the intent and
//       committing the outcome.
#include "child_network.hpp"
#include "crash_plan.hpp"

#include "payintent/sqlite_store.hpp"
#include "payintent/testing/crash_points.hpp"
#include "storm/store_spec.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using namespace payintent::crash_test;
using namespace std::chrono_literals;

namespace {

void say(const std::string& line) {
  const std::string text = line + "\n";
  [[maybe_unused]] auto n = ::write(STDOUT_FILENO, text.data(), text.size());
}

// The crash hook's target: the point's name and which hit of it kills.
std::string_view target_point;
int kill_at_hit = 1;
std::atomic<int> hits{0};

void kill_at_target(std::string_view point) noexcept {
  if (point == target_point && hits.fetch_add(1) + 1 == kill_at_hit) ::raise(SIGKILL);
}

void announce_sent(std::string_view point) noexcept {
  if (point == "authorize.sent") {
    static constexpr char line[] = "sent\n";
    [[maybe_unused]] auto n = ::write(STDOUT_FILENO, line, sizeof line - 1);
  }
}

// `spec` is "sqlite:PATH" or "postgres:CONNINFO" (examples/storm/store_spec).
std::unique_ptr<idempotency_store> open_spec(const std::string& spec) {
  auto parsed = storm::parse_store_spec(spec);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    fmt::print(stderr, "crash_child: {}\n", *why);
    std::exit(2);
  }
  diagnostics diag;
  auto opened = storm::open_store(std::get<storm::store_spec>(parsed), &diag);
  if (!opened) {
    fmt::print(stderr, "crash_child: {}: {}\n", diag.message, opened.error().message());
    std::exit(2);
  }
  return std::move(opened).value();
}

service_options child_options(std::string node) {
  service_options o;
  o.node_id = std::move(node);
  o.attempt_lease = child_lease;
  o.key_in_use_wait = 200ms;
  o.recovery_backoff = {20ms, 40ms};
  o.network_timeout = 2s;
  return o;
}

testing::fake_network_options network_options(const std::string& journal, int min_ms, int max_ms) {
  testing::fake_network_options o;
  o.journal_path = journal;
  o.min_latency = std::chrono::milliseconds(min_ms);
  o.max_latency = std::chrono::milliseconds(max_ms);
  o.keep_requests = false;
  return o;
}

// Charges `key` with its parameters; acknowledges what it answered.
void charge(payment_service& payments, const std::string& key,
            std::optional<std::chrono::milliseconds> budget = std::nullopt) {
  say("use " + key);
  auto p = params_for_key(key);
  p.wait_budget = budget;
  if (auto r = payments.charge(tenant, key, p)) {
    say(fmt::format("ack {} {} {}", key, r.value().intent.id.str(),
                    to_string(r.value().intent.status)));
  }
}

// Charges with a card per key, in order. `timeout` and `lost` leave the
// attempt unresolved (outcome unknown), so recovery has work.
void charge_all(payment_service& payments, std::string_view prefix,
                const std::vector<card>& cards) {
  for (std::size_t i = 0; i < cards.size(); ++i) {
    charge(payments, key_for(prefix, cards[i], static_cast<int>(i)));
  }
}

int run_follow_up(const std::string& db, const std::string& journal, const std::string& kind,
                  const std::string& point) {
  auto store = open_spec(db);
  // Latency, so the outcome arrives on a network thread after <kind>.sent.
  child_network network(network_options(journal, 5, 20), 0ms);
  payment_service payments(*store, network, child_options("child-fu-" + kind));
  const auto key = [&](std::string_view step) { return follow_up_key(kind, point, step); };
  say("use " + key("auth"));
  auto held = payments.charge(tenant, key("auth"), follow_up_charge());
  if (!held || held.value().intent.status != intent_status::requires_capture) return 4;
  const std::string id = held.value().intent.id.str();
  say(fmt::format("ack {} {} {}", key("auth"), id, to_string(held.value().intent.status)));
  if (kind == "refund") {
    auto captured = payments.capture(tenant, key("capture"), id, follow_up_capture(kind));
    if (!captured || captured.value().intent.status != intent_status::succeeded) return 4;
  }
  // Only the call under test may die.
  target_point = point;
  kill_at_hit = 1;
  testing::set_crash_hook(&kill_at_target);
  if (kind == "capture") {
    (void)payments.capture(tenant, key(kind), id, follow_up_capture(kind));
  } else if (kind == "release") {
    (void)payments.cancel(tenant, key(kind), id, follow_up_cancel());
  } else {
    (void)payments.refund(tenant, key(kind), id, follow_up_refund());
  }
  say("survived");
  return 3;
}

int run_point(const std::string& db, const std::string& journal, const std::string& point) {
  for (const std::string_view kind : {"capture", "release", "refund"}) {
    if (point == std::string(kind) + ".sent") {
      return run_follow_up(db, journal, std::string(kind), point);
    }
  }
  auto store = open_spec(db);
  const std::string prefix = "cp-" + point;
  target_point = point;
  testing::set_crash_hook(&kill_at_target);
  if (point.starts_with("recovery.")) {
    // Make unresolved attempts, then recover them here: the second
    // reconciliation that reaches the point dies there.
    child_network network(network_options(journal, 0, 0), 0ms);
    payment_service payments(*store, network, child_options("child-" + point));
    kill_at_hit = 2;
    charge_all(
        payments, prefix,
        {card::approve, card::timeout, card::lost, card::timeout, card::lost, card::decline});
    (void)payments.recover(100);
  } else if (point.starts_with("purge.")) {
    // Keys that expire at once and a purge in batches of 4: dies after the
    // second batch. The timeout keys guard unresolved attempts: never purged.
    child_network network(network_options(journal, 0, 0), 0ms);
    auto options = child_options("child-" + point);
    options.key_retention = 1ms;
    payment_service payments(*store, network, options);
    kill_at_hit = 2;
    std::vector<card> cards(20, card::approve);
    cards.push_back(card::timeout);
    cards.push_back(card::timeout);
    charge_all(payments, prefix, cards);
    std::this_thread::sleep_for(10ms);
    (void)payments.purge_expired_keys(4);
  } else if (point.starts_with("store.")) {
    // Eight threads charge at once, so their writes queue and commit in
    // groups: the second member applied inside any group dies there, with
    // its group's transaction open and other members still to run.
    child_network network(network_options(journal, 5, 20), 0ms);
    payment_service payments(*store, network, child_options("child-" + point));
    kill_at_hit = 2;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) charge(payments, key_for(prefix, card::approve, t * 100 + i));
      });
    }
    for (auto& thread : threads) thread.join();
  } else {
    // A charge's own points: the third charge (an approval) dies there, with
    // latency so its outcome arrives on a network thread after authorize.sent.
    child_network network(network_options(journal, 5, 20), 0ms);
    payment_service payments(*store, network, child_options("child-" + point));
    kill_at_hit = 3;
    charge_all(
        payments, prefix,
        {card::timeout, card::lost, card::approve, card::decline, card::approve, card::timeout});
  }
  say("survived");
  return 3;
}

// Slows one commit in four by up to 150 ms: an outcome written late, after a
// lease may have expired.
class slow_commits final : public store_wrapper {
 public:
  slow_commits(idempotency_store& target, std::uint64_t seed) : store_wrapper(target), rng_(seed) {}
  result<write_receipt> commit(const intent_write& w) override {
    int pause_ms = 0;
    {
      std::lock_guard lock(mutex_);
      if (rng_() % 4 == 0) pause_ms = static_cast<int>(rng_() % 150);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    return target().commit(w);
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 rng_;
};

[[noreturn]] void run_storm(const std::string& db, const std::string& journal, int generation,
                            int threads, int keys, std::uint64_t seed, bool paused) {
  auto opened = open_spec(db);
  slow_commits slow(*opened, seed);
  idempotency_store& store = paused ? static_cast<idempotency_store&>(slow) : *opened;
  child_network network(network_options(journal, 0, paused ? 600 : 30), 0ms);
  payment_service payments(
      store, network,
      child_options(fmt::format("{}-g{}", paused ? "paused" : "storm", generation)));
  boost::asio::thread_pool recovery(1);
  payments.start_recovery(recovery.get_executor(), 50ms, 50);

  // A window of keys that slides by a third of its width per generation, so
  // each key is charged by three generations: retries meet attempts whose
  // holder was killed.
  const int first = generation * (keys / 3);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(t));
      std::uniform_int_distribution<int> pick(first, first + keys - 1);
      for (int round = 0; round < 100000; ++round) {
        const int n = pick(rng);
        constexpr card by_residue[8] = {card::approve, card::approve, card::approve, card::approve,
                                        card::approve, card::timeout, card::decline, card::lost};
        charge(payments, key_for("storm", by_residue[n % 8], n), 150ms);
      }
    });
  }
  for (auto& w : workers) w.join();
  say("survived");
  std::_Exit(3);  // the parent should have killed us long before
}

// Stops this process (SIGSTOP) just before the first outcome write, after
// the engine loaded the intent it decided that write from.
class pause_before_outcome final : public store_wrapper {
 public:
  using store_wrapper::store_wrapper;
  result<write_receipt> commit(const intent_write& w) override {
    if (w.attempt && w.attempt->value.state != attempt_state::init && !paused_.exchange(true)) {
      say("committing");
      ::raise(SIGSTOP);
    }
    return target().commit(w);
  }

 private:
  std::atomic<bool> paused_{false};
};

int run_hold(const std::string& db, const std::string& journal, const std::string& where) {
  auto opened = open_spec(db);
  pause_before_outcome pausing(*opened);
  const bool stale_commit = where == "stale_commit";
  idempotency_store& store = stale_commit ? static_cast<idempotency_store&>(pausing) : *opened;
  const bool in_transit = where == "in_transit";
  const int latency = stale_commit ? 20 : in_transit ? 0 : 2000;
  child_network network(network_options(journal, latency, latency), in_transit ? 2000ms : 0ms);
  payment_service payments(store, network, child_options("holder"));
  testing::set_crash_hook(&announce_sent);
  charge(payments, key_for("hold-" + where, card::approve, 1), 20s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "point") return run_point(args[1], args[2], args[3]);
  if (args.size() == 7 && (args[0] == "storm" || args[0] == "pause_storm")) {
    run_storm(args[1], args[2], std::stoi(args[3]), std::stoi(args[4]), std::stoi(args[5]),
              std::stoull(args[6]), args[0] == "pause_storm");
  }
  if (args.size() == 4 && args[0] == "hold") return run_hold(args[1], args[2], args[3]);
  if (args.size() == 5 && args[0] == "follow_up") {
    return run_follow_up(args[1], args[2], args[3], args[4]);
  }
  const bool help = args.size() == 1 && args[0] == "--help";
  fmt::print(help ? stdout : stderr,
             "usage: crash_child point|storm|hold|follow_up ... (see crash_child.cpp)\n");
  return help ? 0 : 2;
}
