// A 3-D Secure challenge, step by step (docs/three_ds.md).
//
// The shopper pays with a card whose issuer wants a step-up. payintent
// answers requires_action with a next_action; the server's front end sends
// the shopper to the challenge; the challenge result comes back to the
// server, which passes it to authenticate under a new idempotency key; the
// authorization resumes as a new attempt and the charge succeeds. A retry of
// the authenticate call changes nothing. Exits 0 when exactly one
// authorization moved money.
#include <payintent/audit.hpp>
#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>

#include "common/cli.hpp"

int main(int argc, char** argv) {
  const auto exit_code = payintent::cli::no_flags(
      argc, argv, "three_ds", "usage: three_ds\n  a charge through a 3-D Secure challenge\n");
  if (exit_code) {
    return *exit_code;
  }
  payintent::memory_store store;
  payintent::testing::fake_card_network network;  // plays card network, 3DS server and ACS
  payintent::payment_service payments(store, network);
  const char* tenant = "acme-shoes";

  // 1. The server charges. The issuer asks for a challenge.
  payintent::charge_params order{
      .amount = 12900, .currency = "EUR", .payment_method = payintent::testing::pm_challenge};
  payintent::diagnostics diag;
  auto charged = payments.charge(tenant, "checkout-7731", order, &diag);
  if (!charged) {
    fmt::print("charge failed: {} ({})\n", charged.error().message(), diag.message);
    return 1;
  }
  const payintent::payment_intent& intent = charged.value().intent;
  fmt::print("1. charge            -> {}\n", intent);
  if (intent.status != payintent::intent_status::requires_action || !intent.next_action) return 1;
  const payintent::next_action& action = *intent.next_action;
  fmt::print("   next_action       type={} url={}\n", action.type, action.redirect_url);
  fmt::print("   3DS server trans  {}\n", action.three_ds_server_trans_id);

  // 2. The front end shows the challenge; the cardholder passes it. The
  //    challenge result (transStatus, CAVV, ECI, DS transaction id) comes back
  //    to the server, which never logs the CAVV.
  payintent::authenticate_params result =
      network.complete_challenge(action.three_ds_server_trans_id, "Y");
  fmt::print("2. challenge result  transStatus={} eci={} ds_trans={} cavv=({} chars, not shown)\n",
             result.trans_status, result.eci, result.ds_transaction_id,
             result.authentication_value.size());

  // 3. The server resumes the payment with its own idempotency key.
  auto resumed = payments.authenticate(tenant, "checkout-7731-3ds", intent.id.str(), result, &diag);
  if (!resumed) {
    fmt::print("authenticate failed: {} ({})\n", resumed.error().message(), diag.message);
    return 1;
  }
  fmt::print("3. authenticate      -> {}\n", resumed.value().intent);

  // 4. The front end's retry (a dropped response) replays: nothing new is sent.
  auto retried = payments.authenticate(tenant, "checkout-7731-3ds", intent.id.str(), result);
  if (!retried) return 1;
  fmt::print("4. same call again   -> {}{}\n", retried.value().intent,
             retried.value().replayed ? " (replayed)" : "");

  // 5. The audit trail: every transition, hash-chained.
  auto trail = payments.audit_trail(tenant, intent.id.str());
  if (!trail) return 1;
  fmt::print("5. audit trail\n");
  for (const auto& entry : trail.value()) fmt::print("   {}\n", entry);
  const bool verified = payintent::verify_audit(trail.value()).ok;
  fmt::print("   chain verifies: {}\n", verified);

  fmt::print("authorizations: {} (network calls: {})\n", network.authorizations(),
             network.authorize_calls());
  const bool ok = verified && network.authorizations() == 1 &&
                  retried.value().intent.status == payintent::intent_status::succeeded;
  return ok ? 0 : 1;
}
