#include "payintent/validation.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace payintent;

namespace {

template <class T>
errc code_of(const result<T>& r) {
  REQUIRE(r.has_error());
  REQUIRE(r.error().category() == payintent_category());
  return static_cast<errc>(r.error().value());
}

}  // namespace

TEST_CASE("idempotency keys") {
  CHECK(code_of(validate_idempotency_key("")) == errc::missing_idempotency_key);
  CHECK(code_of(validate_idempotency_key(std::string(256, 'k'))) == errc::invalid_idempotency_key);
  const auto longest = validate_idempotency_key(std::string(255, 'k'));
  REQUIRE(longest.has_value());
  CHECK(longest.value().str() == std::string(255, 'k'));
  CHECK(validate_idempotency_key("k").has_value());
  CHECK(validate_idempotency_key(" !~ spaces and punctuation ok ").has_value());
  CHECK(code_of(validate_idempotency_key("caf\xc3\xa9")) == errc::invalid_idempotency_key);
  CHECK(code_of(validate_idempotency_key("tab\there")) == errc::invalid_idempotency_key);
  CHECK(code_of(validate_idempotency_key("nl\n")) == errc::invalid_idempotency_key);
  CHECK(code_of(validate_idempotency_key("del\x7f")) == errc::invalid_idempotency_key);
  CHECK(code_of(validate_idempotency_key(std::string("nul\0x", 5))) ==
        errc::invalid_idempotency_key);

  diagnostics diag;
  CHECK(code_of(validate_idempotency_key("key-4242424242424242", &diag)) == errc::raw_card_number);
  CHECK_FALSE(diag.message.empty());
  CHECK(diag.message.find("4242") == std::string::npos);
  CHECK(code_of(validate_idempotency_key("4242 4242 4242 4242")) == errc::raw_card_number);
  CHECK(validate_idempotency_key("order-1234567812345678").has_value());
  // Digit groups of honest keys: a UUID whose digits joined across its dashes
  // pass Luhn, a Unix time and a counter.
  CHECK(validate_idempotency_key("stripe-node-retry-7ee5e857-3489-4498-9143-40ff813fb5cd"));
  CHECK(validate_idempotency_key("order-1733368000-100"));
}

TEST_CASE("money") {
  const amount_limits limits;
  const auto ok = validate_money(1234, "eur", limits);
  REQUIRE(ok.has_value());
  CHECK(ok.value().minor_units == 1234);
  CHECK(ok.value().currency == find_currency("EUR"));
  CHECK(code_of(validate_money(0, "EUR", limits)) == errc::invalid_amount);
  CHECK(code_of(validate_money(-1, "EUR", limits)) == errc::invalid_amount);
  CHECK(validate_money(limits.default_max, "EUR", limits).has_value());
  CHECK(code_of(validate_money(limits.default_max + 1, "EUR", limits)) == errc::invalid_amount);
  CHECK(code_of(validate_money(100, "XYZ", limits)) == errc::unknown_currency);
  CHECK(code_of(validate_money(100, "CLF", limits)) == errc::unknown_currency);
  CHECK(code_of(validate_money(100, "", limits)) == errc::unknown_currency);

  amount_limits custom;
  custom.per_currency["JPY"] = 1000;
  CHECK(custom.max_for(*find_currency("JPY")) == 1000);
  CHECK(custom.max_for(*find_currency("USD")) == custom.default_max);
  CHECK(validate_money(1000, "jpy", custom).has_value());
  CHECK(code_of(validate_money(1001, "JPY", custom)) == errc::invalid_amount);
  CHECK(validate_money(1001, "USD", custom).has_value());
}

TEST_CASE("tenants") {
  CHECK(validate_tenant("acme").has_value());
  CHECK(validate_tenant("Acme_Corp.eu-1").has_value());
  CHECK(validate_tenant(std::string(64, 't')).has_value());
  CHECK(code_of(validate_tenant("")) == errc::invalid_argument);
  CHECK(code_of(validate_tenant(std::string(65, 't'))) == errc::invalid_argument);
  CHECK(code_of(validate_tenant("acme corp")) == errc::invalid_argument);
  CHECK(code_of(validate_tenant("acme/corp")) == errc::invalid_argument);
  CHECK(code_of(validate_tenant("acm\xc3\xa9")) == errc::invalid_argument);
  CHECK(validate_tenant("acme").value().str() == "acme");
}

TEST_CASE("intent ids") {
  CHECK(validate_intent_id("pi_abcdefghijklmnopqrstuvwX").has_value());
  CHECK(validate_intent_id("pi_0123456789ABCDEFGHIJKLMN").has_value());
  CHECK(code_of(validate_intent_id("")) == errc::not_found);
  CHECK(code_of(validate_intent_id("pi_abc")) == errc::not_found);
  CHECK(code_of(validate_intent_id("pi_abcdefghijklmnopqrstuvwXY")) == errc::not_found);
  CHECK(code_of(validate_intent_id("px_abcdefghijklmnopqrstuvwX")) == errc::not_found);
  CHECK(code_of(validate_intent_id("pi_abcdefghijklmnopqrstuv-X")) == errc::not_found);
}

TEST_CASE("free text") {
  CHECK(validate_text("description", "Blue T-shirt, size M", 100).has_value());
  CHECK(validate_text("description", "Caf\xc3\xa9 cr\xc3\xa8me \xe2\x82\xac", 100).has_value());
  CHECK(validate_text("description", "", 100).has_value());
  CHECK(validate_text("description", std::string(100, 'x'), 100).has_value());
  diagnostics diag;
  CHECK(code_of(validate_text("description", std::string(101, 'x'), 100, &diag)) ==
        errc::invalid_argument);
  CHECK(diag.message.find("description") != std::string::npos);
  CHECK(code_of(validate_text("description", "line\nbreak", 100)) == errc::invalid_argument);
  CHECK(code_of(validate_text("description", "bad \xc3", 100)) == errc::invalid_argument);
  CHECK(code_of(validate_text("description", "c1 \xc2\x85", 100)) == errc::invalid_argument);
  CHECK(code_of(validate_text("description", "card 4242 4242 4242 4242", 100, &diag)) ==
        errc::raw_card_number);
  CHECK(diag.message.find("description") != std::string::npos);
  CHECK(diag.message.find("4242") == std::string::npos);
}

TEST_CASE("metadata") {
  std::map<std::string, std::string> md{{"order", "1234"}, {"customer", "c_9"}};
  CHECK(validate_metadata(md).has_value());
  CHECK(validate_metadata({}).has_value());

  std::map<std::string, std::string> many;
  for (int i = 0; i < 50; ++i) many["k" + std::to_string(i)] = "v";
  CHECK(validate_metadata(many).has_value());
  many["one_more"] = "v";
  CHECK(code_of(validate_metadata(many)) == errc::invalid_argument);

  CHECK(code_of(validate_metadata({{"", "v"}})) == errc::invalid_argument);
  CHECK(validate_metadata({{std::string(40, 'k'), "v"}}).has_value());
  CHECK(code_of(validate_metadata({{std::string(41, 'k'), "v"}})) == errc::invalid_argument);
  CHECK(validate_metadata({{"k", std::string(500, 'v')}}).has_value());
  CHECK(code_of(validate_metadata({{"k", std::string(501, 'v')}})) == errc::invalid_argument);
  CHECK(code_of(validate_metadata({{"k", "a\x01"}})) == errc::invalid_argument);
  CHECK(code_of(validate_metadata({{"note", "4242424242424242"}})) == errc::raw_card_number);
  CHECK(code_of(validate_metadata({{"4242424242424242", "x"}})) == errc::raw_card_number);
}

TEST_CASE("payment methods") {
  CHECK(validate_payment_method("pm_card_visa").has_value());
  CHECK(code_of(validate_payment_method("")) == errc::invalid_argument);
  CHECK(code_of(validate_payment_method(std::string(256, 'p'))) == errc::invalid_argument);
  CHECK(code_of(validate_payment_method("pm \x01")) == errc::invalid_argument);
  CHECK(code_of(validate_payment_method("4242424242424242")) == errc::raw_card_number);
  CHECK(code_of(validate_payment_method("4242-4242-4242-4242")) == errc::raw_card_number);
}
