// 8 processes of 8 threads refund one captured intent under distinct keys:
// the total refunded never exceeds the capture, and each refund moves money
// once, by the store, the network's journal and the callers' own count.
// Built twice: on an SQLite file (in sqlite_store_multiprocess_test) and,
// with PAYINTENT_STORM_ON_POSTGRES, on a PostgreSQL schema of its own (in
// retry_storm_postgres_test, the server named by PAYINTENT_TEST_PG).
#include "multiprocess/run_children.hpp"
#include "sqlite/sqlite_fixture.hpp"
#ifdef PAYINTENT_STORM_ON_POSTGRES
#include "support/postgres_fixture.hpp"
#endif

#include "payintent/payment_service.hpp"
#include "payintent/testing/fake_card_network.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using payintent::multiprocess_test::run_children;
using payintent::sqlite_test::temp_dir;

namespace {

constexpr int refund_processes = 8;
constexpr int refund_threads = 8;
constexpr std::int64_t refund_captured = 1000;
constexpr std::int64_t refund_each = 70;  // 14 fit

#ifdef PAYINTENT_STORM_ON_POSTGRES
constexpr const char* store_name = "postgres";
// A fresh schema; each process opens its own store on it (system clock: the
// database's).
struct race_store {
  explicit race_store(const temp_dir&) {}
  std::string conninfo = postgres_test::test_database::get().fresh_schema();
  result<std::unique_ptr<postgres_store>> open() const {
    postgres_store_options o;
    o.conninfo = conninfo;
    o.prepared_statements = !postgres_test::test_database::pooled();
    return postgres_store::open(std::move(o));
  }
};
#else
constexpr const char* store_name = "sqlite";
// One file; each process opens its own store on it (system clock).
struct race_store {
  explicit race_store(const temp_dir& dir) : path(dir.file("refunds.db")) {}
  std::string path;
  result<std::unique_ptr<sqlite_store>> open() const {
    sqlite_store_options o;
    o.path = path;
    return sqlite_store::open(std::move(o));
  }
};
#endif

testing::fake_network_options journaled(const std::string& journal) {
  testing::fake_network_options o;
  o.journal_path = journal;
  o.min_latency = std::chrono::milliseconds(1);  // refunds stay in flight while others plan
  o.max_latency = std::chrono::milliseconds(5);
  return o;
}

// Runs in a child: its own store connection, network and service; threads
// refund the one intent under distinct keys. Counts the succeeded refunds.
int refund_race(const race_store& where, const std::string& journal, const std::string& intent,
                int child) {
  auto opened = where.open();
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

TEST_CASE("8 processes of 8 threads racing refunds never refund more than the capture") {
  INFO("store: " << store_name);
  temp_dir dir;
  const race_store where(dir);
  const auto journal = dir.file("network.journal");
  std::string intent;
  {
    auto store = where.open();
    REQUIRE(store.has_value());
    testing::fake_card_network network(journaled(journal));
    payment_service service(*store.value(), network);
    charge_params p{.amount = refund_captured, .currency = "EUR", .payment_method = "pm_card_visa"};
    p.capture_method = capture_method::manual;
    auto held = service.charge("acme", "auth", p);
    REQUIRE(held.has_value());
    intent = held.value().intent.id.str();
    auto captured = service.capture("acme", "capture", intent, {});
    REQUIRE(captured.has_value());
    REQUIRE(captured.value().intent.amount_received() == refund_captured);
  }  // every thread joined and every connection closed before forking

  run_children(refund_processes, [&](int c) {
    const int n = refund_race(where, journal, intent, c);
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
  auto store = where.open();
  REQUIRE(store.has_value());
  auto loaded = store.value()->load(tenant_id("acme"), intent_id(intent));
  REQUIRE(loaded.has_value());
  REQUIRE(loaded.value().has_value());
  const payment_intent& after = *loaded.value();
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
