// Authorize now, capture what ships, refund what comes back (docs/design.md,
// "Capture, release and refunds").
//
// A shop authorizes an order of two items with capture_method manual: the
// money is held, not taken. Only one item is in stock, so it captures half
// (the capture releases the rest of the hold); the customer returns part of
// it, so the shop refunds that. Each step is its own network call under its
// own idempotency key, and a retry of any of them changes nothing. Exits 0
// when the network took 3,000 once and gave 1,200 back once.
#include <payintent/audit.hpp>
#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>

#include "common/cli.hpp"

int main(int argc, char** argv) {
  const auto exit_code = payintent::cli::no_flags(
      argc, argv, "capture_refund",
      "usage: capture_refund\n  authorize, capture half, refund part, print the audit trail\n");
  if (exit_code) {
    return *exit_code;
  }
  payintent::memory_store store;
  payintent::testing::fake_card_network network;
  payintent::payment_service payments(store, network);
  const char* tenant = "acme-shoes";
  payintent::diagnostics diag;

  // 1. Authorize two pairs of shoes, 30.00 EUR each: held, not taken.
  payintent::charge_params order{.amount = 6000,
                                 .currency = "EUR",
                                 .payment_method = payintent::testing::pm_approve,
                                 .capture_method = payintent::capture_method::manual};
  auto held = payments.charge(tenant, "order-88", order, &diag);
  if (!held) {
    fmt::print("charge failed: {} ({})\n", held.error().message(), diag.message);
    return 1;
  }
  const std::string id = held.value().intent.id.str();
  fmt::print("1. authorize         -> {}\n", held.value().intent);

  // 2. One pair ships: capture 30.00; the capture releases the other 30.00.
  payintent::capture_params ship{.amount_to_capture = 3000};
  auto captured = payments.capture(tenant, "order-88-ship-1", id, ship, &diag);
  if (!captured) {
    fmt::print("capture failed: {} ({})\n", captured.error().message(), diag.message);
    return 1;
  }
  fmt::print("2. capture 30.00     -> {} (amount_received {})\n", captured.value().intent,
             captured.value().intent.amount_received());

  // 3. The warehouse's retry of the same capture replays: nothing is sent.
  auto again = payments.capture(tenant, "order-88-ship-1", id, ship);
  if (!again) return 1;
  fmt::print("3. same capture      -> {}{}\n", again.value().intent,
             again.value().replayed ? " (replayed)" : "");

  // 4. The customer returns the laces: refund 12.00 of what was captured.
  payintent::refund_params laces{.amount = 1200, .reason = "requested_by_customer"};
  auto refunded = payments.refund(tenant, "order-88-return-1", id, laces, &diag);
  if (!refunded) {
    fmt::print("refund failed: {} ({})\n", refunded.error().message(), diag.message);
    return 1;
  }
  const payintent::refund& refund = refunded.value().refund;
  fmt::print("4. refund 12.00      -> {} {} {} (amount_refunded {})\n", refund.id, refund.amount,
             refund.status, refunded.value().intent.amount_refunded());

  // 5. A refund of more than is left is refused before anything is sent.
  payintent::refund_params too_much{.amount = 1801};
  auto refused = payments.refund(tenant, "order-88-return-2", id, too_much, &diag);
  fmt::print("5. refund 18.01      -> {} ({})\n", refused ? "accepted?" : refused.error().message(),
             diag.message);

  // 6. The audit trail: every transition, hash-chained.
  auto trail = payments.audit_trail(tenant, id);
  if (!trail) return 1;
  fmt::print("6. audit trail\n");
  for (const auto& entry : trail.value()) fmt::print("   {}\n", entry);
  const bool verified = payintent::verify_audit(trail.value()).ok;
  fmt::print("   chain verifies: {}\n", verified);

  using payintent::attempt_kind;
  fmt::print("network: captured {} once ({} call), refunded {} once ({} call)\n",
             network.amount_carried_out(attempt_kind::capture),
             network.follow_up_calls(attempt_kind::capture),
             network.amount_carried_out(attempt_kind::refund),
             network.follow_up_calls(attempt_kind::refund));
  const bool ok = verified && !refused &&
                  network.amount_carried_out(attempt_kind::capture) == 3000 &&
                  network.follow_up_calls(attempt_kind::capture) == 1 &&
                  network.amount_carried_out(attempt_kind::refund) == 1200 &&
                  network.follow_up_calls(attempt_kind::refund) == 1;
  return ok ? 0 : 1;
}
