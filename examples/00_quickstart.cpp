// The README's quickstart: one charge, retried, charged once.
#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <fmt/core.h>

int main(int argc, char** argv) {
  if (argc > 1) {  // it takes no arguments
    const bool help = std::string_view(argv[1]) == "--help";
    fmt::print(help ? stdout : stderr, "usage: quickstart   (one charge, retried, charged once)\n");
    return help ? 0 : 2;
  }
  payintent::memory_store store;                    // or sqlite_store / postgres_store
  payintent::testing::fake_card_network network;    // your card_network in production
  payintent::payment_service payments(store, network);

  payintent::charge_params order{.amount = 1999, .currency = "EUR",
                                 .payment_method = "pm_card_visa"};
  for (int tap = 1; tap <= 3; ++tap) {              // the app retries with the same key
    payintent::diagnostics diag;
    auto r = payments.charge("acme-hotels", "order-1042", order, &diag);
    if (!r) {
      fmt::print("tap {}: error {} ({})\n", tap, r.error().message(), diag.message);
      return 1;
    }
    fmt::print("tap {}: {} {} {}{}\n", tap, r.value().intent.id, r.value().intent.amount,
               r.value().intent.status, r.value().replayed ? " (replayed)" : "");
  }
  fmt::print("authorizations: {}\n", network.authorizations());
  return network.authorizations() == 1 ? 0 : 1;
}
