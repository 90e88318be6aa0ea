// Several processes share one SQLite file: racing claims of the same keys
// and fenced commits on the same attempts still have exactly one winner each.
#include "sqlite_fixture.hpp"

#include "payintent/payment_service.hpp"
#include "payintent/testing/fake_card_network.hpp"

#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

using namespace payintent;
using namespace payintent::testing::conformance;
using payintent::sqlite_test::must_open;
using payintent::sqlite_test::options_for;
using payintent::sqlite_test::temp_dir;

namespace {

constexpr int processes = 4;
constexpr int keys = 100;
constexpr int attempts = 50;

// Forks `count` children that start together (a pipe's EOF is the gate),
// each running `child(c)` and exiting 0, and waits for them all.
void run_children(int count, const std::function<void(int)>& child) {
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> children;
  for (int c = 0; c < count; ++c) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char byte;
      (void)::read(gate[0], &byte, 1);  // returns at EOF: every child starts together
      child(c);
      ::_exit(0);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  for (const pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

struct tally {
  int claimed = 0;
  int wins = 0;
  int unexpected = 0;
};

// Runs in a child: no doctest here, only counting, then _exit.
tally race(const std::string& path, int child) {
  tally t;
  auto options = options_for(path, testing::manual_clock{});
  auto opened = sqlite_store::open(options);
  if (!opened) {
    t.unexpected = keys + attempts;
    return t;
  }
  auto& store = *opened.value();
  for (int i = 0; i < keys; ++i) {
    const auto pi = new_intent(tenant_a, "pi_mp_" + std::to_string(i));
    const auto r = store.claim(claim_create("mp-" + std::to_string(i), pi));
    if (r && r.value().status == claim_status::claimed) {
      ++t.claimed;
    } else if (!r || r.value().status != claim_status::replay) {
      ++t.unexpected;
    }
  }
  for (int i = 0; i < attempts; ++i) {
    const auto loaded = store.load(tenant_a, intent_id{"pi_held_" + std::to_string(i)});
    if (!loaded || !loaded.value()) {
      ++t.unexpected;
      continue;
    }
    const auto& held = *loaded.value();
    if (held.attempts.at(0).fence != 1) continue;  // someone already won: nothing to race
    auto w = outcome_write(held, 1, 1, attempt_state::authorized, held.version);
    w.attempt->value.fence = 2;
    w.node_id = "process-" + std::to_string(child);
    const auto r = store.commit(w);
    if (r) {
      ++t.wins;
    } else if (r.error() != errc::fenced_out) {
      ++t.unexpected;
    }
  }
  return t;
}

}  // namespace

TEST_CASE("sqlite: processes sharing one file each win a key or an attempt at most once") {
  temp_dir dir;
  const auto path = dir.file("shared.db");
  {
    auto store = must_open(options_for(path, testing::manual_clock{}));
    for (int i = 0; i < attempts; ++i) {
      create_with_attempt(*store, new_intent(tenant_a, "pi_held_" + std::to_string(i)), 1);
    }
  }  // closed before forking: children open their own connections

  run_children(processes, [&](int c) {
    const tally t = race(path, c);
    std::ofstream(dir.file("tally-" + std::to_string(c)))
        << t.claimed << ' ' << t.wins << ' ' << t.unexpected << '\n';
  });

  tally total;
  for (int c = 0; c < processes; ++c) {
    std::ifstream in(dir.file("tally-" + std::to_string(c)));
    tally t;
    REQUIRE(static_cast<bool>(in >> t.claimed >> t.wins >> t.unexpected));
    total.claimed += t.claimed;
    total.wins += t.wins;
    total.unexpected += t.unexpected;
  }
  CHECK(total.unexpected == 0);
  CHECK(total.claimed == keys);
  CHECK(total.wins == attempts);

  auto store = must_open(options_for(path, testing::manual_clock{}));
  for (int i = 0; i < keys; ++i) {
    CHECK(audit_count(*store, tenant_a, intent_id{"pi_mp_" + std::to_string(i)}) == 1);
  }
  for (int i = 0; i < attempts; ++i) {
    const auto held = must_load(*store, tenant_a, intent_id{"pi_held_" + std::to_string(i)});
    CHECK(held.attempts.at(0).fence == 2);
    CHECK(audit_count(*store, tenant_a, held.id) == 3);  // created, attempt, one outcome
  }
}

namespace {

constexpr int refund_processes = 8;
constexpr int refund_threads = 8;
constexpr std::int64_t refund_captured = 1000;
constexpr std::int64_t refund_each = 70;  // 14 fit

sqlite_store_options system_clock_options(const std::string& path) {
  sqlite_store_options o;
  o.path = path;
  return o;
}

testing::fake_network_options journaled(const std::string& journal) {
  testing::fake_network_options o;
  o.journal_path = journal;
  o.min_latency = std::chrono::milliseconds(1);  // refunds stay in flight while others plan
  o.max_latency = std::chrono::milliseconds(5);
  return o;
}

// Runs in a child: its own store connection, network and service; threads
// refund the one intent under distinct keys. Counts the succeeded refunds.
int refund_race(const std::string& path, const std::string& journal, const std::string& intent,
                int child) {
  auto opened = sqlite_store::open(system_clock_options(path));
  if (!opened) return -1;
  testing::fake_card_network network(journaled(journal));
  payment_service service(*opened.value(), network);
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < refund_threads; ++t) {
    threads.emplace_back([&, t] {
      refund_params p;
      p.amount = refund_each;
      auto r = service.refund("acme", fmt::format("refund-{}-{}", child, t), intent, p);
      if (r && r.value().refund.status == refund_status::succeeded) ++succeeded;
    });
  }
  for (auto& t : threads) t.join();
  return succeeded.load();
}

}  // namespace

TEST_CASE("sqlite: 8 processes of 8 threads racing refunds never refund more than the capture") {
  temp_dir dir;
  const auto path = dir.file("refunds.db");
  const auto journal = dir.file("network.journal");
  std::string intent;
  {
    auto store = must_open(system_clock_options(path));
    testing::fake_card_network network(journaled(journal));
    payment_service service(*store, network);
    charge_params p{.amount = refund_captured, .currency = "EUR", .payment_method = "pm_card_visa"};
    p.capture_method = capture_method::manual;
    auto held = service.charge("acme", "auth", p);
    REQUIRE(held.has_value());
    intent = held.value().intent.id.str();
    auto captured = service.capture("acme", "capture", intent, {});
    REQUIRE(captured.has_value());
    REQUIRE(captured.value().intent.amount_received() == refund_captured);
  }  // every thread joined before forking

  run_children(refund_processes, [&](int c) {
    const int n = refund_race(path, journal, intent, c);
    std::ofstream(dir.file("refunds-" + std::to_string(c))) << n << '\n';
  });
  int succeeded = 0;
  for (int c = 0; c < refund_processes; ++c) {
    std::ifstream in(dir.file("refunds-" + std::to_string(c)));
    int n = -1;
    REQUIRE(static_cast<bool>(in >> n));
    CHECK(n >= 0);
    succeeded += n;
  }
  auto store = must_open(system_clock_options(path));
  const auto after = must_load(*store, tenant_id("acme"), intent_id(intent));
  const auto refunded = testing::read_journal_total(journal, "refund");
  INFO("succeeded " << succeeded << ", refunded " << after.amount_refunded());
  CHECK(after.amount_refunded() <= refund_captured);
  CHECK(after.amount_refunded() == succeeded * refund_each);
  CHECK(refunded.amount == after.amount_refunded());  // the network moved what the store says
  CHECK(succeeded == refund_captured / refund_each);
  for (const auto& sent : refunded.per_reference) {  // INFO cannot capture a binding (clang 14)
    INFO("reference " << sent.first);
    CHECK(sent.second == 1);
  }
}
