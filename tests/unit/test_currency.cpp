#include "payintent/currency.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

using payintent::find_currency;

TEST_CASE("spot checks of codes, numbers and exponents") {
  struct expected {
    std::string_view code;
    int numeric;
    int exponent;
  };
  const expected cases[] = {
      {"EUR", 978, 2}, {"USD", 840, 2}, {"GBP", 826, 2}, {"JPY", 392, 0}, {"KRW", 410, 0},
      {"VND", 704, 0}, {"CLP", 152, 0}, {"ISK", 352, 0}, {"XAF", 950, 0}, {"XOF", 952, 0},
      {"XPF", 953, 0}, {"UGX", 800, 0}, {"BHD", 48, 3},  {"KWD", 414, 3}, {"JOD", 400, 3},
      {"OMR", 512, 3}, {"TND", 788, 3}, {"LYD", 434, 3}, {"IQD", 368, 3}, {"CHF", 756, 2},
      {"INR", 356, 2}, {"BRL", 986, 2}, {"ALL", 8, 2},   {"VES", 928, 2}, {"SLE", 925, 2},
      {"ZWG", 924, 2}, {"XCG", 532, 2}, {"MGA", 969, 2}, {"PYG", 600, 0}, {"KMF", 174, 0},
  };
  for (const auto& c : cases) {
    const auto* cur = find_currency(c.code);
    REQUIRE_MESSAGE(cur != nullptr, c.code);
    CHECK(cur->code == c.code);
    CHECK_MESSAGE(cur->numeric == c.numeric, c.code);
    CHECK_MESSAGE(cur->exponent == c.exponent, c.code);
    CHECK_FALSE(cur->name.empty());
  }
  CHECK(find_currency("EUR")->name == "Euro");
}

TEST_CASE("funds, metals, testing and withdrawn codes are absent") {
  for (std::string_view code : {"CLF", "BOV", "CHE", "CHW", "COU", "MXV", "USN", "UYI", "UYW",
                                "XSU", "XUA", "XAU", "XAG", "XPD", "XPT", "XTS", "XXX", "XBA",
                                "XBB", "XBC", "XBD", "XDR", "HRK", "DEM", "VEF", "MRO"}) {
    CHECK_MESSAGE(find_currency(code) == nullptr, code);
  }
}

TEST_CASE("the table is complete, sorted and unique") {
  const auto all = payintent::all_currencies();
  CHECK(all.size() >= 150);
  CHECK(std::is_sorted(all.begin(), all.end(),
                       [](const auto& a, const auto& b) { return a.code < b.code; }));
  std::set<std::string_view> codes;
  std::set<int> numerics;
  for (const auto& c : all) {
    CHECK(c.code.size() == 3);
    CHECK(c.exponent <= 3);
    CHECK(c.numeric > 0);
    CHECK(c.numeric < 1000);
    codes.insert(c.code);
    numerics.insert(c.numeric);
    // Every entry is reachable by lookup, and is the same object.
    CHECK(find_currency(c.code) == &c);
  }
  CHECK(codes.size() == all.size());
  CHECK(numerics.size() == all.size());
}

TEST_CASE("lookup is case-insensitive and strict about shape") {
  CHECK(find_currency("usd") == find_currency("USD"));
  CHECK(find_currency("uSd") == find_currency("USD"));
  CHECK(find_currency("") == nullptr);
  CHECK(find_currency("US") == nullptr);
  CHECK(find_currency("USDX") == nullptr);
  CHECK(find_currency("US1") == nullptr);
  CHECK(find_currency(" USD") == nullptr);
  CHECK(find_currency("AAA") == nullptr);
  CHECK(find_currency("ZZZ") == nullptr);
}

TEST_CASE("money formats with the currency's exponent") {
  const auto* eur = find_currency("EUR");
  const auto* jpy = find_currency("JPY");
  const auto* bhd = find_currency("BHD");
  CHECK(fmt::format("{}", payintent::money{1234, eur}) == "12.34 EUR");
  CHECK(fmt::format("{}", payintent::money{5, eur}) == "0.05 EUR");
  CHECK(fmt::format("{}", payintent::money{100, eur}) == "1.00 EUR");
  CHECK(fmt::format("{}", payintent::money{500, jpy}) == "500 JPY");
  CHECK(fmt::format("{}", payintent::money{1005, bhd}) == "1.005 BHD");
  CHECK(fmt::format("{}", payintent::money{-1234, eur}) == "-12.34 EUR");
  CHECK(fmt::format("{}", payintent::money{-5, eur}) == "-0.05 EUR");
  CHECK(fmt::format("{}", payintent::money{-500, jpy}) == "-500 JPY");
  CHECK(fmt::format("{}", payintent::money{INT64_MIN, eur}) == "-92233720368547758.08 EUR");
  CHECK(fmt::format("{}", *eur) == "EUR");
}
