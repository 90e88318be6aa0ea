// The fake card network: token decisions, ledger, latency, journal, recovery calls.
#include "payintent/testing/fake_card_network.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;
using namespace payintent::testing;

namespace {

authorization_request make_request(const std::string& reference, const std::string& pm) {
  authorization_request r;
  r.reference = reference;
  r.tenant = tenant_id{"tenant_a"};
  r.intent = intent_id{"pi_test"};
  r.attempt_number = 1;
  r.amount = money{1234, find_currency("EUR")};
  r.payment_method = pm;
  return r;
}

// Waits for one completion; records how often and on which thread it ran.
template <class... Args>
struct waiter {
  std::mutex m;
  std::condition_variable cv;
  int calls = 0;
  std::thread::id thread;
  std::tuple<Args...> args;

  auto handler() {
    return [this](Args... a) {
      std::lock_guard lock(m);
      ++calls;
      thread = std::this_thread::get_id();
      args = std::tuple<Args...>(std::move(a)...);
      cv.notify_all();
    };
  }
  void wait() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return calls > 0; });
  }
};

network_outcome authorize(fake_card_network& net, const authorization_request& r) {
  waiter<network_outcome> w;
  net.async_authorize(r, w.handler());
  w.wait();
  return std::get<0>(w.args);
}

lookup_result lookup(fake_card_network& net, const std::string& ref, error_code& ec) {
  waiter<error_code, lookup_result> w;
  net.async_lookup(ref, w.handler());
  w.wait();
  ec = std::get<0>(w.args);
  return std::get<1>(w.args);
}

error_code void_ref(fake_card_network& net, const std::string& ref) {
  waiter<error_code> w;
  net.async_void(ref, w.handler());
  w.wait();
  return std::get<0>(w.args);
}

std::string temp_journal() {
  auto path =
      std::filesystem::temp_directory_path() / ("payintent_journal_" + std::to_string(::getpid()) +
                                                "_" + std::to_string(std::rand()) + ".log");
  std::filesystem::remove(path);
  return path.string();
}

}  // namespace

TEST_CASE("tokens decide the outcome") {
  fake_card_network net;
  CHECK(authorize(net, make_request("r1", pm_approve)).kind == outcome_kind::approved);
  CHECK(authorize(net, make_request("r1b", "pm_anything_else")).kind == outcome_kind::approved);

  auto declined = authorize(net, make_request("r2", pm_decline));
  CHECK(declined.kind == outcome_kind::declined);
  CHECK(declined.decline_code == "generic_decline");
  auto nsf = authorize(net, make_request("r3", pm_insufficient_funds));
  CHECK(nsf.kind == outcome_kind::declined);
  CHECK(nsf.decline_code == "insufficient_funds");

  auto challenge = authorize(net, make_request("r4", pm_challenge));
  REQUIRE(challenge.kind == outcome_kind::challenge);
  REQUIRE(challenge.action);
  CHECK(challenge.action->type == "redirect_to_url");
  CHECK(challenge.action->redirect_url == "https://acs.example/challenge/r4");
  CHECK_FALSE(challenge.action->three_ds_server_trans_id.empty());
  const auto passed = net.complete_challenge(challenge.action->three_ds_server_trans_id, "Y");
  auto with_3ds = make_request("r4", pm_challenge);
  with_3ds.authentication = three_ds_authentication{passed.authentication_value, passed.eci,
                                                    passed.ds_transaction_id, "2.2.0", 'Y'};
  CHECK(authorize(net, with_3ds).kind == outcome_kind::approved);

  CHECK(authorize(net, make_request("r5", pm_pending)).kind == outcome_kind::pending);
  CHECK(authorize(net, make_request("r6", pm_unknown)).kind == outcome_kind::unknown);
  CHECK(authorize(net, make_request("r7", pm_not_sent)).kind == outcome_kind::not_sent);

  // Ledger: every call counted; money moved for approved, pending, unknown.
  CHECK(net.authorize_calls() == 9);
  CHECK(net.authorize_calls("r4") == 2);
  CHECK(net.authorizations() == 5);
  CHECK(net.authorizations("r1") == 1);
  CHECK(net.authorizations("r2") == 0);
  CHECK(net.authorizations("r4") == 1);
  CHECK(net.authorizations("r5") == 1);
  CHECK(net.authorizations("r6") == 1);
  CHECK(net.authorizations("r7") == 0);
  CHECK(net.requests().size() == 9);
  CHECK(net.requests()[2].reference == "r2");
}

TEST_CASE("the throw token throws: the call counts, no money moves, nothing to look up") {
  fake_card_network net;
  bool called = false;
  CHECK_THROWS_AS(
      net.async_authorize(make_request("rt", pm_throw), [&](network_outcome) { called = true; }),
      std::runtime_error);
  CHECK_FALSE(called);
  CHECK(net.authorize_calls() == 1);
  CHECK(net.authorize_calls("rt") == 1);
  CHECK(net.authorizations() == 0);
  CHECK(net.authorizations("rt") == 0);
  error_code ec;
  CHECK_FALSE(lookup(net, "rt", ec).found);
}

TEST_CASE("script_next overrides the token, in order") {
  fake_card_network net;
  net.script_next(network_outcome::declined("do_not_honor"));
  net.script_next(network_outcome::unknown());
  auto first = authorize(net, make_request("s1", pm_approve));
  CHECK(first.kind == outcome_kind::declined);
  CHECK(first.decline_code == "do_not_honor");
  CHECK(authorize(net, make_request("s2", pm_throw)).kind == outcome_kind::unknown);
  CHECK(authorize(net, make_request("s3", pm_decline)).kind == outcome_kind::declined);
  CHECK(net.authorizations("s1") == 0);
  CHECK(net.authorizations("s2") == 1);
  CHECK(net.authorizations() == 1);
}

TEST_CASE("lookup and void") {
  fake_card_network net;
  authorize(net, make_request("ok", pm_approve));
  authorize(net, make_request("pend", pm_pending));
  authorize(net, make_request("lost", pm_unknown));
  authorize(net, make_request("no", pm_decline));
  authorize(net, make_request("ns", pm_not_sent));

  error_code ec;
  auto r = lookup(net, "pend", ec);
  CHECK_FALSE(ec);
  CHECK(r.found);
  CHECK(r.outcome.kind == outcome_kind::approved);
  CHECK(lookup(net, "lost", ec).outcome.kind == outcome_kind::approved);
  r = lookup(net, "no", ec);
  CHECK(r.found);
  CHECK(r.outcome.kind == outcome_kind::declined);
  CHECK(r.outcome.decline_code == "generic_decline");
  CHECK_FALSE(lookup(net, "ns", ec).found);
  CHECK_FALSE(lookup(net, "never", ec).found);

  CHECK_FALSE(void_ref(net, "lost"));
  CHECK_FALSE(void_ref(net, "never"));  // voiding nothing succeeds
  CHECK(net.voids() == 2);
  CHECK(net.is_voided("lost"));
  CHECK_FALSE(net.is_voided("ok"));
  r = lookup(net, "lost", ec);
  CHECK(r.found);
  CHECK(r.voided);  // found voided
  CHECK_FALSE(net.is_live("lost"));
  CHECK(lookup(net, "ok", ec).found);
  CHECK_FALSE(lookup(net, "ok", ec).voided);
  CHECK(net.is_live("ok"));
}

TEST_CASE("a void also reverses an authorization that arrives after it (the contract)") {
  fake_card_network net;
  CHECK_FALSE(void_ref(net, "late"));                // recovery voids what it cannot find
  authorize(net, make_request("late", pm_approve));  // then the request arrives
  CHECK(net.authorizations("late") == 1);
  CHECK_FALSE(net.is_live("late"));
  error_code ec;
  const auto r = lookup(net, "late", ec);
  CHECK(r.found);
  CHECK(r.voided);
}

TEST_CASE("a network that breaks the contract lets the late arrival live until voided again") {
  fake_card_network net({.void_reverses_late_arrivals = false});
  CHECK_FALSE(void_ref(net, "late"));
  std::thread([&] { authorize(net, make_request("late", pm_approve)); }).join();
  CHECK(net.is_live("late"));
  error_code ec;
  CHECK_FALSE(lookup(net, "late", ec).voided);
  CHECK_FALSE(void_ref(net, "late"));
  CHECK_FALSE(net.is_live("late"));
}

TEST_CASE("the ledger merges what every thread recorded under one reference") {
  // Each thread records in a shard of its own; every reader must see them all,
  // or a double authorization from two threads would go uncounted.
  fake_card_network net;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { authorize(net, make_request("dup", pm_approve)); });
  }
  for (auto& t : threads) t.join();
  std::thread([&] { authorize(net, make_request("elsewhere", pm_decline)); }).join();
  CHECK(net.authorizations("dup") == 8);
  CHECK(net.authorize_calls("dup") == 8);
  CHECK(net.authorizations() == 8);
  CHECK(net.authorize_calls() == 9);

  error_code ec;
  auto seen = lookup(net, "elsewhere", ec);  // recorded on another thread
  CHECK(seen.found);
  CHECK(seen.outcome.decline_code == "generic_decline");
  CHECK(lookup(net, "dup", ec).found);
  std::thread([&] { CHECK_FALSE(void_ref(net, "dup")); }).join();
  CHECK(net.is_voided("dup"));
  CHECK(lookup(net, "dup", ec).voided);
  CHECK(net.authorizations("dup") == 8);  // a void moves no money back in the ledger
}

TEST_CASE("lookup and void can be unsupported") {
  fake_network_options options;
  options.supports_lookup = false;
  options.supports_void = false;
  fake_card_network net(options);
  authorize(net, make_request("ok", pm_approve));
  error_code ec;
  lookup(net, "ok", ec);
  CHECK(ec == errc::not_supported);
  CHECK(void_ref(net, "ok") == errc::not_supported);
  CHECK(net.voids() == 0);
  CHECK_FALSE(net.is_voided("ok"));
}

TEST_CASE("zero latency completes inline, latency completes on a fake thread") {
  {
    fake_card_network net;
    waiter<network_outcome> w;
    net.async_authorize(make_request("inline", pm_approve), w.handler());
    CHECK(w.calls == 1);  // before async_authorize returned
    CHECK(w.thread == std::this_thread::get_id());
  }
  fake_network_options options;
  options.min_latency = std::chrono::milliseconds{1};
  options.max_latency = std::chrono::milliseconds{5};
  fake_card_network net(options);
  waiter<network_outcome> w;
  net.async_authorize(make_request("slow", pm_approve), w.handler());
  w.wait();
  CHECK(w.calls == 1);
  CHECK(w.thread != std::this_thread::get_id());
  CHECK(std::get<0>(w.args).kind == outcome_kind::approved);
}

TEST_CASE("destruction waits for pending completions, each handler runs once") {
  std::atomic<int> completions{0};
  {
    fake_network_options options;
    options.min_latency = std::chrono::milliseconds{1};
    options.max_latency = std::chrono::milliseconds{20};
    options.threads = 2;
    fake_card_network net(options);
    for (int i = 0; i < 200; ++i) {
      net.async_authorize(make_request(fmt::format("d{}", i), pm_approve),
                          [&](network_outcome) { ++completions; });
    }
    net.async_lookup("d1", [&](error_code, lookup_result) { ++completions; });
    net.async_void("d2", [&](error_code) { ++completions; });
  }
  CHECK(completions == 202);
}

TEST_CASE("journal lines are counted per reference") {
  const auto path = temp_journal();
  {
    fake_network_options options;
    options.journal_path = path;
    fake_card_network a(options);
    fake_card_network b(options);  // a second writer sharing the file
    authorize(a, make_request("j1", pm_approve));
    authorize(b, make_request("j1", pm_approve));
    authorize(a, make_request("j2", pm_unknown));
    authorize(b, make_request("j3", pm_decline));
    authorize(a, make_request("j4", pm_not_sent));
    void_ref(a, "j2");
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("authorize j1 1234 EUR\n") != std::string::npos);
  CHECK(text.find("void j2\n") != std::string::npos);
  auto counts = read_journal_authorizations(path);
  CHECK(counts.size() == 2);
  CHECK(counts["j1"] == 2);
  CHECK(counts["j2"] == 1);
  CHECK(counts.count("j3") == 0);
  CHECK(counts.count("j4") == 0);
  std::filesystem::remove(path);
  CHECK(read_journal_authorizations(path).empty());
}

TEST_CASE(
    "fake network: complete_challenge mints authentication it accepts once, and only "
    "as minted") {
  fake_card_network net;
  const auto y = net.complete_challenge("3ds-1", "Y");
  CHECK(y.three_ds_server_trans_id == "3ds-1");
  CHECK(y.trans_status == "Y");
  CHECK(y.eci == "05");
  CHECK_FALSE(y.authentication_value.empty());
  CHECK_FALSE(y.ds_transaction_id.empty());
  const auto a = net.complete_challenge("3ds-2", "A");
  CHECK(a.eci == "06");
  for (const char* refused : {"N", "R"}) {
    const auto r = net.complete_challenge("3ds-3", refused);
    CHECK(r.authentication_value.empty());
    CHECK(r.eci.empty());
  }
  const auto u = net.complete_challenge("3ds-4", "U");
  CHECK(u.authentication_value.empty());
  CHECK(u.eci == "07");

  auto carrying = [&](const std::string& ref, const authenticate_params& p, char status) {
    auto request = make_request(ref, pm_challenge);
    request.authentication = three_ds_authentication{p.authentication_value, p.eci,
                                                     p.ds_transaction_id, "2.2.0", status};
    return authorize(net, request);
  };
  auto forged = y;
  forged.authentication_value += "x";
  CHECK(carrying("r1", forged, 'Y').decline_code == "authentication_invalid");
  CHECK(carrying("r2", y, 'A').decline_code == "authentication_invalid");  // minted as Y
  CHECK(carrying("r3", y, 'Y').kind == outcome_kind::approved);
  CHECK(carrying("r4", y, 'Y').decline_code == "authentication_invalid");  // used up
  CHECK(carrying("r5", a, 'A').kind == outcome_kind::approved);
  CHECK(carrying("r6", u, 'U').kind == outcome_kind::approved);
  const auto frictionless = authorize(net, make_request("r7", pm_frictionless));
  CHECK(frictionless.kind == outcome_kind::approved);
  CHECK_FALSE(frictionless.network_transaction_id.empty());
  CHECK(net.authorizations() == 4);
}
