// Fuzzes amounts and currency codes: validate_money, find_currency and the
// money formatter. An accepted amount is positive and within its limit; a
// found currency is the ISO code asked for, in any case.
#include "payintent/validation.hpp"
#include "support/byte_reader.hpp"

#include <fmt/format.h>

#include <cctype>

namespace {

using namespace payintent;

bool same_code(std::string_view asked, std::string_view code) {
  if (asked.size() != code.size()) return false;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(asked[i])) != code[i]) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  payintent::fuzz::byte_reader in(data, size);
  amount_limits limits;
  if (in.pick(2) == 1) limits.per_currency.emplace("JPY", in.int64());
  const std::int64_t amount = in.int64();
  const std::string_view code = in.rest();

  const currency* c = find_currency(code);
  if (c && !same_code(code, c->code)) fuzz::fail("find_currency answered another code");

  auto r = validate_money(amount, code, limits);
  if (!c) {
    if (r || errc(r.error().value()) != errc::unknown_currency) fuzz::fail("unknown currency");
    return 0;
  }
  const bool in_range = amount > 0 && amount <= limits.max_for(*c);
  if (bool(r) != in_range) fuzz::fail("amount rule disagrees with validate_money");
  if (!r) {
    if (errc(r.error().value()) != errc::invalid_amount) fuzz::fail("amount error code");
    return 0;
  }
  if (r.value().minor_units != amount || r.value().currency != c) fuzz::fail("money altered");
  // Formatting any accepted amount in any exponent must work and end in the code.
  const std::string shown = fmt::format("{}", r.value());
  if (shown.size() < 4 || shown.substr(shown.size() - 3) != c->code) fuzz::fail("money format");
  return 0;
}
