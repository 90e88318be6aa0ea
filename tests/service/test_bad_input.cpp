// Bad input of every kind: a clear error, and nothing half-written.
#include "support/service_fixture.hpp"

#include <string>

using namespace payintent;
using payintent::test::require_ok;
using payintent::test::service_fixture;

namespace {

constexpr const char* pan = "4242424242424242";

void check_nothing_written(service_fixture& f, const std::string& tenant, const std::string& key) {
  if (key.empty()) return;
  auto stored = f.store.load_key(tenant_id(tenant), idempotency_key(key));
  REQUIRE(stored.has_value());
  CHECK_FALSE(stored.value().has_value());
  CHECK(f.network.authorize_calls() == 0);
}

void check_rejected(service_fixture& f, const std::string& tenant, const std::string& key,
                    const charge_params& p, errc expected) {
  CAPTURE(tenant);
  CAPTURE(expected);
  diagnostics diag;
  auto r = f.service.charge(tenant, key, p, &diag);
  REQUIRE_FALSE(r);
  CHECK(r.error() == expected);
  CHECK(http_status(r.error()) == 400);
  CHECK_FALSE(diag.message.empty());
  CHECK(diag.message.find(pan) == std::string::npos);  // never echoed
  check_nothing_written(f, tenant, key);
}

}  // namespace

TEST_CASE("bad keys, tenants, amounts, currencies and card numbers are 400s") {
  service_fixture f;
  const auto good = f.card();

  check_rejected(f, "acme", "", good, errc::missing_idempotency_key);
  check_rejected(f, "acme", std::string(256, 'k'), good, errc::invalid_idempotency_key);
  check_rejected(f, "acme", "tab\there", good, errc::invalid_idempotency_key);
  check_rejected(f, "acme", "caf\xc3\xa9", good, errc::invalid_idempotency_key);
  check_rejected(f, "acme", std::string("key-") + pan, good, errc::raw_card_number);
  check_rejected(f, "", "k", good, errc::invalid_argument);
  check_rejected(f, "acme corp", "k", good, errc::invalid_argument);

  auto p = good;
  p.amount = 0;
  check_rejected(f, "acme", "amount-0", p, errc::invalid_amount);
  p.amount = -5;
  check_rejected(f, "acme", "amount-neg", p, errc::invalid_amount);
  p.amount = 100'000'000;
  check_rejected(f, "acme", "amount-big", p, errc::invalid_amount);

  p = good;
  p.currency = "XYZ";
  check_rejected(f, "acme", "cur-xyz", p, errc::unknown_currency);
  p.currency = "";
  check_rejected(f, "acme", "cur-empty", p, errc::unknown_currency);

  p = good;
  p.payment_method = pan;
  check_rejected(f, "acme", "pm-pan", p, errc::raw_card_number);
  p.payment_method = "";
  check_rejected(f, "acme", "pm-empty", p, errc::invalid_argument);

  p = good;
  p.description = std::string("card 4242 4242 4242 4242 thanks");
  check_rejected(f, "acme", "desc-pan", p, errc::raw_card_number);
  p.description = std::string(1001, 'd');
  check_rejected(f, "acme", "desc-long", p, errc::invalid_argument);

  p = good;
  p.metadata = {{"note", "4242-4242-4242-4242"}};
  check_rejected(f, "acme", "meta-pan", p, errc::raw_card_number);
  p.metadata = {{std::string(41, 'm'), "v"}};
  check_rejected(f, "acme", "meta-key", p, errc::invalid_argument);

  // After all that, the same keys work with good input: nothing was cached.
  auto ok = require_ok(f.service.charge("acme", "amount-0", good));
  CHECK_FALSE(ok.replayed);
  CHECK(f.network.authorize_calls() == 1);
}

TEST_CASE("unknown or malformed intent ids are not_found") {
  service_fixture f;
  CHECK(f.service.retrieve("acme", "pi_doesnotexist").error() == errc::not_found);
  CHECK(f.service.retrieve("acme", "pi_AAAAAAAAAAAAAAAAAAAAAAAA").error() == errc::not_found);
  CHECK(f.service.retrieve("acme", "'; DROP TABLE intents; --").error() == errc::not_found);
  confirm_params p;
  p.payment_method = testing::pm_approve;
  CHECK(f.service.confirm("acme", "k", "pi_AAAAAAAAAAAAAAAAAAAAAAAA", p).error() ==
        errc::not_found);
  check_nothing_written(f, "acme", "k");
}
