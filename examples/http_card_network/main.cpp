// A card_network over HTTP, end to end: payintent charging through
// http_card_network (the part you copy) to a simulated gateway on loopback
// that keeps its own idempotency keys and loses answers on cue.
//
// The story: an approval; a decline; an answer dropped after the charge (the
// adapter resends under the same key, the gateway replays); an answer that
// comes too late and a request lost on the way (both unknown, settled by
// recovery's lookup: one adopted, one voided); the gateway down (not_sent).
// Then the gateway's ledger is checked against every intent: one live
// charge per succeeded intent, none per failed one. Exit code 1 otherwise.
//
// The times are shrunk so the story runs in about a second; their ratios
// keep the rules of http_card_network.hpp (checked by check_timeouts).
#include "http_card_network/gateway_simulator.hpp"
#include "http_card_network/http_card_network.hpp"
#include "http_card_network/ledger_check.hpp"

#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>

#include <fmt/core.h>
#include <boost/asio/thread_pool.hpp>

#include "common/cli.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace gw = payintent::gateway;

namespace {

std::mutex print_mutex;  // the simulator and recovery narrate from their threads

void narrate(std::string_view who, const std::string& line) {
  std::lock_guard lock(print_mutex);
  fmt::print("     {:<10} {}\n", who, line);
}

struct step {
  const char* story;
  const char* payment_method;
  gw::fault fault;
  payintent::intent_status right_after;  // what charge() answers
  payintent::intent_status settled;      // after recovery
};

}  // namespace

int main(int argc, char** argv) {
  const auto exit_code = payintent::cli::no_flags(
      argc, argv, "http_card_network",
      "usage: http_card_network\n"
      "  payintent charging a simulated HTTP gateway through a card_network that\n"
      "  sends idempotency keys, looks up and voids; exits 1 unless the gateway's\n"
      "  ledger holds exactly one live charge per succeeded intent\n");
  if (exit_code) return *exit_code;

  gw::gateway_simulator gateway({.latency = 20ms,
                                 .late_by = 1000ms,
                                 .log = [](const std::string& l) { narrate("gateway:", l); }});

  payintent::service_options options;
  options.node_id = "shop-1";
  options.attempt_lease = 1200ms;             // production: 60 s
  options.network_timeout = 600ms;            // production: 30 s
  options.recovery_backoff = {200ms, 400ms};  // production: 5 s, 1 min, 5 min, 1 h
  std::atomic<bool> recovering{false};
  options.on_transition = [&](const payintent::transition& t) {
    if (recovering) narrate("payintent:", fmt::format("{}", t));
  };
  const gw::http_network_options network_options{
      .gateway = gateway.endpoint(), .authorize_timeout = 500ms, .lookup_timeout = 400ms};
  if (auto why = gw::http_card_network::check_timeouts(network_options, options)) {
    fmt::print(stderr, "http_card_network: {}\n", *why);
    return 1;
  }
  gw::http_card_network network(network_options);
  payintent::memory_store store;
  payintent::payment_service payments(store, network, options);

  fmt::print(
      "gateway simulator on {}: 20 ms a call; authorize timeout 500 ms, lease 1200 ms\n\n",
      gateway.endpoint().address().to_string() + ":" + std::to_string(gateway.endpoint().port()));
  using st = payintent::intent_status;
  const std::vector<step> steps = {
      {"an approved card", "tok_visa", gw::fault::none, st::succeeded, st::succeeded},
      {"a declined card", "tok_insufficient_funds", gw::fault::none, st::failed, st::failed},
      {"answer dropped after the charge; the resend, same key, is replayed", "tok_visa",
       gw::fault::drop_answer, st::succeeded, st::succeeded},
      {"answer too late (timeout)", "tok_visa", gw::fault::answer_late, st::processing,
       st::succeeded},
      {"request lost on the way", "tok_visa", gw::fault::lose_request, st::processing, st::failed},
      {"gateway down", "tok_visa", gw::fault::none, st::failed, st::failed},
  };
  const std::string tenant = "corner-shop";
  // The intent as the store holds it (no reconciling on the way, as
  // retrieve would do), or nullopt.
  auto load = [&](const payintent::intent_id& id) -> std::optional<payintent::payment_intent> {
    auto loaded = store.load(payintent::tenant_id(tenant), id);
    if (!loaded || !loaded.value()) return std::nullopt;
    return *loaded.value();
  };
  auto unsettled = [&](const payintent::intent_id& id) {
    const auto intent = load(id);
    return !intent || intent->status == st::processing;
  };
  std::vector<payintent::intent_id> ids;
  bool as_expected = true;
  auto run = [&](std::size_t i) {
    const step& s = steps[i];
    if (s.fault != gw::fault::none) gateway.inject(s.fault);
    fmt::print("{}. {} ({})\n", i + 1, s.story, s.payment_method);
    payintent::diagnostics diag;
    auto r = payments.charge(
        tenant, fmt::format("order-{}", 1001 + i),
        {.amount = 1200, .currency = "EUR", .payment_method = s.payment_method}, &diag);
    if (!r) {
      fmt::print("   -> error: {} ({})\n", r.error().message(), diag.message);
      return false;
    }
    const payintent::payment_intent& intent = r.value().intent;
    ids.push_back(intent.id);
    fmt::print("   -> {} {} (attempt {}){}\n", intent.id, intent.status,
               intent.latest_attempt()->state,
               intent.last_error ? ": " + intent.last_error->message : "");
    as_expected = as_expected && intent.status == s.right_after;
    return true;
  };

  const std::size_t gateway_down = steps.size() - 1;
  for (std::size_t i = 0; i < gateway_down; ++i) {
    if (!run(i)) return 1;
  }
  // Recovery settles the two unknown attempts. Their holder let go when it
  // recorded "unknown" (a holder that died mid-call lets go when its lease
  // expires); lookup adopts what the gateway did, or finds nothing and voids.
  // Production runs it on every node, always.
  fmt::print("\n   recovery (start_recovery, a pass every 100 ms) settles the unknowns:\n");
  boost::asio::thread_pool recovery_thread(1);
  recovering = true;
  payments.start_recovery(recovery_thread.get_executor(), 100ms);
  for (int waited = 0; waited < 60 && (unsettled(ids[3]) || unsettled(ids[4])); ++waited) {
    std::this_thread::sleep_for(50ms);  // up to 3 s
  }
  payments.stop_recovery();
  recovering = false;
  fmt::print("\n");
  gateway.stop_listening();
  if (!run(gateway_down)) return 1;

  fmt::print("\nthe gateway's books against payintent's intents:\n");
  std::vector<payintent::payment_intent> intents;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto loaded = load(ids[i]);
    if (!loaded) return 1;
    intents.push_back(std::move(*loaded));
    as_expected = as_expected && intents.back().status == steps[i].settled;
  }
  const gw::ledger_verdict verdict = gw::check_ledger(intents, gateway.ledger().entries());
  for (const std::string& line : verdict.lines) fmt::print("  {}\n", line);
  fmt::print("\n{}\n", verdict.ok && as_expected
                           ? "exactly once: one live charge per succeeded intent, none per failed"
                           : "FAILED: the ledger or an intent is not as the story expects");
  return verdict.ok && as_expected ? 0 : 1;
}
