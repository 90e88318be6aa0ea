// In-process coalescing (docs/design.md, "Idempotency contract"): concurrent duplicates share the
// first call's claim instead of each going to the store.
#include "support/gated_store.hpp"
#include "support/service_fixture.hpp"

#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <set>
#include <vector>

namespace asio = boost::asio;
using namespace payintent;
using namespace std::chrono_literals;
using payintent::test::gated_store;
using payintent::test::require_ok;

namespace {

struct gated_fixture {
  explicit gated_fixture(testing::fake_network_options net = {})
      : network(net), service(gate, network, payintent::test::test_options()) {}
  ~gated_fixture() { gate.open(); }

  charge_params card(std::int64_t amount) { return payintent::test::card_charge(amount); }

  memory_store store;
  gated_store gate{store};
  testing::fake_card_network network;
  payment_service service;
};

}  // namespace

TEST_CASE("50 concurrent async duplicates: one claim, one authorization, one intent") {
  gated_fixture f({.min_latency = 10ms, .max_latency = 30ms});
  std::vector<std::future<payment_response>> calls;
  // The first claim waits at the gate, so all 50 are in flight together.
  for (int i = 0; i < 50; ++i) {
    calls.push_back(f.service.async_charge("acme", "tap", f.card(990), nullptr, asio::use_future));
  }
  while (f.gate.claims() == 0) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);  // time for any stray claim to show up
  f.gate.open();

  std::set<intent_id> ids;
  int fresh = 0;
  for (auto& c : calls) {
    auto r = c.get();
    CHECK(r.intent.status == intent_status::succeeded);
    ids.insert(r.intent.id);
    if (!r.replayed) ++fresh;
  }
  CHECK(f.gate.claims() == 1);  // the followers never reached the store
  CHECK(fresh == 1);
  CHECK(ids.size() == 1);
  CHECK(f.network.authorize_calls() == 1);
  CHECK(f.network.authorizations() == 1);
}

TEST_CASE("synchronous duplicates coalesce too") {
  gated_fixture f;
  std::vector<std::future<result<payment_response>>> calls;
  std::atomic<int> entered{0};
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      entered.fetch_add(1);
      return f.service.charge("acme", "sync-tap", f.card(5));
    }));
  }
  // A thread may start late; the gate opens only once all 8 are inside
  // charge() and have had time to join the first one's claim.
  while (f.gate.claims() == 0 || entered.load() < 8) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(100ms);
  f.gate.open();
  std::set<intent_id> ids;
  for (auto& c : calls) ids.insert(require_ok(c.get()).intent.id);
  CHECK(ids.size() == 1);
  CHECK(f.gate.claims() == 1);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("a concurrent duplicate with other parameters is still idempotency_key_reused") {
  gated_fixture f;
  auto first = f.service.async_charge("acme", "k", f.card(100), nullptr, asio::use_future);
  while (f.gate.claims() == 0) std::this_thread::sleep_for(1ms);
  diagnostics diag;
  auto other = f.service.async_charge("acme", "k", f.card(200), &diag, asio::use_future);
  while (f.gate.claims() < 2) std::this_thread::sleep_for(1ms);  // it went to the store
  f.gate.open();
  // Both went to the store: whichever claimed first won the key.
  int accepted = 0, reused = 0;
  for (auto* call : {&first, &other}) {
    try {
      call->get();
      ++accepted;
    } catch (const boost::system::system_error& e) {
      if (e.code() == errc::idempotency_key_reused) ++reused;
    }
  }
  CHECK(accepted == 1);
  CHECK(reused == 1);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("followers share a definitive rejection, flagged as replayed") {
  gated_fixture f;
  f.gate.open();
  auto done = require_ok(f.service.charge("acme", "paid", f.card(300)));
  // A fresh gate is not needed: confirm of a succeeded intent is refused and
  // the refusal stored with the key; duplicates get it as a replay.
  std::vector<std::future<payment_response>> calls;
  std::vector<diagnostics> diags(5);
  confirm_params p;
  for (auto& d : diags) {
    calls.push_back(
        f.service.async_confirm("acme", "again", done.intent.id.str(), p, &d, asio::use_future));
  }
  int refused = 0;
  for (auto& c : calls) {
    try {
      c.get();
    } catch (const boost::system::system_error& e) {
      if (e.code() == errc::invalid_state) ++refused;
    }
  }
  CHECK(refused == 5);
  CHECK(std::count_if(diags.begin(), diags.end(), [](auto& d) { return d.replayed; }) >= 4);
  for (auto& d : diags) CHECK(d.message.find("succeeded") != std::string::npos);
}

namespace {

// Counts the intent loads that reach the store.
class counting_store final : public store_wrapper {
 public:
  using store_wrapper::store_wrapper;
  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override {
    ++loads;
    return store_wrapper::load(t, id);
  }
  std::atomic<int> loads{0};
};

}  // namespace

TEST_CASE("a retry on another thread waits on the attempt in flight, not on the store") {
  // Flights are registered in their dispatching thread's shard: a caller on
  // another thread must still find this one and wait for its outcome, where
  // a caller that misses it polls the store every few milliseconds.
  memory_store store;
  counting_store counted(store);
  testing::fake_card_network network({.min_latency = 600ms, .max_latency = 600ms});
  payment_service service(counted, network, payintent::test::test_options());
  auto first = std::async(std::launch::async, [&] {
    return service.charge("acme", "tap", payintent::test::card_charge(5));
  });
  // The first call's flight is registered before the network sees its
  // request, and the retry comes after the first call's claim committed.
  while (network.authorize_calls() == 0) std::this_thread::sleep_for(1ms);
  counted.loads = 0;
  auto retry = require_ok(service.charge("acme", "tap", payintent::test::card_charge(5)));
  CHECK(retry.replayed);
  CHECK(retry.intent.status == intent_status::succeeded);
  CHECK(counted.loads.load() <= 2);  // the replay's own read, not a poll loop
  CHECK(require_ok(first.get()).intent.id == retry.intent.id);
  CHECK(network.authorizations() == 1);
}
