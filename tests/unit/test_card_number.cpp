// The card-number rule of validation.hpp: every brand's test cards are found
// however a person writes them, and honest values are not taken for cards.
#include "payintent/validation.hpp"
#include "support/honest_values.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

using namespace payintent;

namespace {

// Published test card numbers of the major brands, 13-19 digits.
const std::vector<std::string> test_cards = {
    "4242424242424242",    "4000056655665556",    "4111111111111111",  // Visa
    "4012888888881881",    "4000002500001001",    "4222222222222",     // Visa, 13
    "4007000000027",       "4000000000000000006",                      // Visa, 13 and 19
    "5555555555554444",    "2223003122003222",    "5200828282828210",  // Mastercard
    "5105105105105100",    "2222400010000008",                         // Mastercard
    "378282246310005",     "371449635398431",     "378734493671000",   // American Express
    "6011111111111117",    "6011000990139424",    "6011981111111113",  // Discover
    "6445644564456445",                                                // Discover
    "3056930009020004",    "36227206271667",      "30569309025904",    // Diners Club
    "38520000023237",                                                  // Diners Club, 14
    "3566002020360505",    "3530111333300000",    "3566111111111113",  // JCB
    "6200000000000005",    "6200000000000047",    "6250946000000016",  // UnionPay
    "6205500000000000004",                                             // UnionPay, 19
    "6759649826438453",    "6799990100000000019",                      // Maestro
    "2201382000000013",                                                // Mir
};

std::string grouped(const std::string& card, const std::vector<std::size_t>& sizes, char sep) {
  std::string out;
  std::size_t at = 0;
  for (std::size_t size : sizes) {
    if (at >= card.size()) break;
    if (!out.empty()) out += sep;
    out += card.substr(at, size);
    at += size;
  }
  return out;
}

// Every way validation.hpp says a person writes `card`.
std::vector<std::string> written_forms(const std::string& card) {
  std::vector<std::string> forms{card};
  for (char sep : {' ', '-'}) {
    forms.push_back(grouped(card, {4, 4, 4, 4, 4}, sep));
    if (card.size() == 15) forms.push_back(grouped(card, {4, 6, 5}, sep));
    if (card.size() == 14) forms.push_back(grouped(card, {4, 6, 4}, sep));
  }
  return forms;
}

bool refused(const result<void>& r) {
  return !r && r.error() == errc::raw_card_number;
}

}  // namespace

TEST_CASE("luhn") {
  CHECK(luhn_valid("4242424242424242"));
  CHECK(luhn_valid("378282246310005"));
  CHECK(luhn_valid("79927398713"));
  CHECK_FALSE(luhn_valid("79927398710"));
  CHECK_FALSE(luhn_valid("4242424242424241"));
  CHECK_FALSE(luhn_valid(""));
  CHECK_FALSE(luhn_valid("4242 4242"));
}

TEST_CASE("every brand's test cards are found in every field, however written") {
  for (const std::string& card : test_cards) {
    REQUIRE(luhn_valid(card));
    for (const std::string& form : written_forms(card)) {
      CAPTURE(form);
      CHECK(contains_card_number(form));
      CHECK(contains_card_number("card: " + form + " exp 12/34"));
      CHECK(contains_card_number("No. 7 " + form + "\xe2\x82\xac"));
      CHECK(contains_card_number("pan=" + form + ";"));
      CHECK(validate_idempotency_key(form).error() == errc::raw_card_number);
      CHECK(validate_idempotency_key("retry-" + form + "-2").error() == errc::raw_card_number);
      CHECK(refused(validate_payment_method(form)));
      CHECK(refused(validate_text("description", "Paid with " + form + ", thanks", 500)));
      CHECK(refused(validate_metadata({{"note", form}})));
      CHECK(refused(validate_metadata({{form, "x"}})));
    }
  }
}

TEST_CASE("a card next to other groups") {
  CHECK(contains_card_number("4242 4242 4242 4242 12"));    // an expiry after it
  CHECK(contains_card_number("9 4242 4242 4242 4242"));     // a stray group before it
  CHECK(contains_card_number("2024-4242 4242 4242 4242"));  // another separator before it
  CHECK(contains_card_number("4242424242424242-1"));        // a whole run of digits
  CHECK(contains_card_number("x 4242-4242-4242-4242 y"));
  // Part of a longer run of fours, as tracking numbers are printed.
  CHECK_FALSE(contains_card_number("1234 4242 4242 4242 4242"));
  CHECK_FALSE(contains_card_number("4242 4242 4242 4242 1234"));
}

TEST_CASE("the forms validation.hpp does not catch") {
  CHECK_FALSE(contains_card_number("card4242424242424242"));  // glued to letters
  CHECK_FALSE(contains_card_number("4242424242424242exp"));
  CHECK_FALSE(contains_card_number("x4000000000000000006x"));
  CHECK_FALSE(contains_card_number("4242.4242.4242.4242"));  // other separators
  CHECK_FALSE(contains_card_number("4242_4242_4242_4242"));
  CHECK_FALSE(contains_card_number("4242/4242/4242/4242"));
  CHECK_FALSE(contains_card_number("4242  4242 4242 4242"));       // two spaces
  CHECK_FALSE(contains_card_number("4242-4242 4242-4242"));        // mixed separators
  CHECK_FALSE(contains_card_number("4242 42424242 4242"));         // another layout
  CHECK_FALSE(contains_card_number("1234564242424242424242987"));  // inside a longer run
  CHECK_FALSE(contains_card_number("+4222222222222"));             // after a plus: a phone
  CHECK_FALSE(contains_card_number("135412345678911"));            // UATP
  CHECK_FALSE(contains_card_number("8171999927660000"));           // UnionPay 81
  CHECK_FALSE(contains_card_number("2200000000000000000"));        // Mir, 19 digits
}

TEST_CASE("things that are not card numbers") {
  CHECK_FALSE(contains_card_number(""));
  CHECK_FALSE(contains_card_number("4242 4242 4242 4241"));  // fails Luhn
  CHECK_FALSE(contains_card_number("424242424242"));         // 12 digits
  CHECK_FALSE(contains_card_number("1234567812345678"));     // no brand starts 1
  CHECK_FALSE(contains_card_number("txn_00000000000000000042"));
  // Luhn-valid, but of a length the brand does not issue.
  CHECK_FALSE(contains_card_number("3782822463100052"));  // American Express, 16
  CHECK_FALSE(contains_card_number("42424242424242"));    // Visa, 14
  CHECK_FALSE(contains_card_number("550e8400-e29b-41d4-a716-446655440000"));
  CHECK_FALSE(contains_card_number("stripe-node-retry-7ee5e857-3489-4498-9143-40ff813fb5cd"));
  CHECK_FALSE(contains_card_number("12345678-4242-4242-4242-424242424242"));  // UUID layout
  CHECK_FALSE(contains_card_number("order-1733368000-100"));
  CHECK_FALSE(contains_card_number("req-17325500001234567890"));
  CHECK_FALSE(contains_card_number("9400 1000 0000 0000 0000 00"));
}

// A sample of what bench/card_number_matches runs 10^6 times: honest keys
// and metadata values, never (or, for card-shaped values, rarely) flagged.
TEST_CASE("honest values are not taken for card numbers") {
  constexpr std::size_t sample = 30'000;
  for (const test::honest_generator& g : test::honest_generators()) {
    const std::size_t matches = test::false_matches(g, sample, 18);
    INFO(fmt::format("{}: {} of {} flagged", g.name, matches, sample));
    CHECK(static_cast<double>(matches) <= g.budget * sample);
  }
}

TEST_CASE("the generators make what they are named for") {
  std::mt19937_64 rng(1);
  std::map<std::string, std::string, std::less<>> one;
  for (const test::honest_generator& g : test::honest_generators())
    one[std::string(g.name)] = g.make(rng);
  CHECK(one["uuid_v4"].size() == 36);
  CHECK(one["uuid_v4"][14] == '4');
  CHECK(one["uuid_v4_stripe_node"].starts_with("stripe-node-retry-"));
  CHECK(one["ulid"].size() == 26);
  CHECK(one["ksuid"].size() == 27);
  CHECK(one["snowflake"].size() == 19);
  CHECK(one["unix_nanoseconds"].size() == 19);
  CHECK(one["order_unix_counter"].starts_with("order-1"));
  CHECK(one["uuid_attempt"].find(':') == 36);
  CHECK(one["fedex_ground_15"].size() == 15);
}

TEST_CASE("holds_card_digits: the wide net for what is repeated back") {
  // Every form contains_card_number leaves out on purpose is caught here.
  for (std::string_view s :
       {"4242424242424242", "x4242424242424242", "card4242424242424242y", "4242+4242+4242+4242",
        "4242 4242 4242 4242", "4242-4242-4242-4242", "42424242 42424242", "+4242424242424242",
        "order 124242424242424242421", "3782 822463 10005", "pi_ab4000056655665556cd"}) {
    CAPTURE(s);
    CHECK(payintent::holds_card_digits(s));
  }
  // Twelve digits; digits broken by two separators or a letter; 13 digits failing Luhn.
  for (std::string_view s :
       {"", "424242424242", "4242  4242  4242  4242", "4242x4242x4242x4242", "4242424242420",
        "amount 99999999 above the limit", "no such payment intent: pi_DC3Tg2NGM1lrZZq3XRpsWQmu"}) {
    CAPTURE(s);
    CHECK_FALSE(payintent::holds_card_digits(s));
  }
}
