// Links every installed target and charges once through each store.
#include <payintent/memory_store.hpp>
#include <payintent/payintent.hpp>
#ifdef CONSUMER_WITH_POSTGRES
#include <payintent/postgres_store.hpp>
#endif
#include <payintent/sqlite_store.hpp>
#include <payintent/store_kit.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

int main(int argc, char** argv) {
  payintent::testing::fake_card_network network;
  payintent::memory_store memory;
  const std::string file = argc > 1 ? argv[1] : "consumer.db";
  std::filesystem::remove(file);
  auto sqlite = payintent::sqlite_store::open({.path = file});
  if (!sqlite) return 2;
#ifdef CONSUMER_WITH_POSTGRES
  // Linked and callable without a server: an empty conninfo is refused.
  if (payintent::postgres_store::open({}).error() != payintent::errc::invalid_argument) return 3;
#endif
  // The store kit is installed for a consumer's own store: a write creating
  // its intent passes on an empty store, and a throw becomes an error.
  const auto checked = payintent::store_kit::check_write({}, {}, 1'000);
  if (!checked || checked.value().receipt.version != 1) return 4;
  const auto thrown = payintent::store_kit::guard(
      []() -> payintent::result<int> { throw std::runtime_error("store trouble"); });
  if (thrown || thrown.error() != payintent::errc::store_unavailable) return 5;
  for (payintent::idempotency_store* store :
       {static_cast<payintent::idempotency_store*>(&memory),
        static_cast<payintent::idempotency_store*>(sqlite.value().get())}) {
    payintent::payment_service payments(*store, network);
    payintent::charge_params p{.amount = 500, .currency = "USD", .payment_method = "pm_card_visa"};
    auto first = payments.charge("consumer", "k1", p);
    auto again = payments.charge("consumer", "k1", p);
    if (!first || !again || !again.value().replayed) return 1;
  }
  std::printf("consumer ok: payintent %s, authorizations=%zu\n", PAYINTENT_VERSION_STRING,
              network.authorizations());
  return network.authorizations() == 2 ? 0 : 1;
}
