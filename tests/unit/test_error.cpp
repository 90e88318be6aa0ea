#include "payintent/error.hpp"

#include <doctest/doctest.h>

#include <boost/system/errc.hpp>

#include <set>
#include <string>

using payintent::errc;
using payintent::error_code;

namespace {

const errc all_codes[] = {
    errc::invalid_argument,
    errc::missing_idempotency_key,
    errc::invalid_idempotency_key,
    errc::invalid_amount,
    errc::unknown_currency,
    errc::raw_card_number,
    errc::not_found,
    errc::idempotency_key_in_use,
    errc::invalid_state,
    errc::idempotency_key_reused,
    errc::card_declined,
    errc::card_network_error,
    errc::store_unavailable,
    errc::busy,
    errc::shutting_down,
    errc::storage_full,
    errc::storage_read_only,
    errc::storage_corrupt,
    errc::version_conflict,
    errc::fenced_out,
    errc::not_supported,
    errc::audit_chain_broken,
};

}  // namespace

TEST_CASE("errc converts to an error_code of the payintent category") {
  error_code ec = errc::not_found;
  CHECK(ec.value() == 20);
  CHECK(ec.category() == payintent::payintent_category());
  CHECK(std::string(ec.category().name()) == "payintent");
  CHECK(ec == errc::not_found);
  CHECK(ec != errc::invalid_state);
  CHECK(&payintent::payintent_category() == &payintent::payintent_category());
}

TEST_CASE("every errc has its own non-empty message and name") {
  std::set<std::string> messages;
  std::set<std::string> names;
  for (errc e : all_codes) {
    const std::string message = payintent::make_error_code(e).message();
    CHECK_FALSE(message.empty());
    CHECK_FALSE(message.starts_with("unknown payintent error"));
    messages.insert(message);
    names.insert(fmt::format("{}", e));
  }
  CHECK(messages.size() == std::size(all_codes));
  CHECK(names.size() == std::size(all_codes));
  CHECK_FALSE(payintent::make_error_code(static_cast<errc>(12345)).message().empty());
}

TEST_CASE("fmt prints the enumerator name") {
  CHECK(fmt::format("{}", errc::idempotency_key_reused) == "idempotency_key_reused");
  CHECK(fmt::format("{}", errc::busy) == "busy");
  CHECK(fmt::format("[{:>10}]", errc::busy) == "[      busy]");
}

TEST_CASE("http_status follows the design table") {
  using payintent::http_status;
  for (errc e :
       {errc::invalid_argument, errc::missing_idempotency_key, errc::invalid_idempotency_key,
        errc::invalid_amount, errc::unknown_currency, errc::raw_card_number}) {
    CHECK(http_status(e) == 400);
  }
  CHECK(http_status(errc::not_found) == 404);
  for (errc e : {errc::idempotency_key_in_use, errc::invalid_state, errc::version_conflict,
                 errc::fenced_out}) {
    CHECK(http_status(e) == 409);
  }
  CHECK(http_status(errc::idempotency_key_reused) == 422);
  CHECK(http_status(errc::card_declined) == 402);
  CHECK(http_status(errc::card_network_error) == 502);
  for (errc e :
       {errc::store_unavailable, errc::busy, errc::shutting_down, errc::storage_read_only}) {
    CHECK(http_status(e) == 503);
  }
  CHECK(http_status(errc::storage_full) == 507);
  CHECK(http_status(errc::storage_corrupt) == 500);
  CHECK(http_status(errc::audit_chain_broken) == 500);
  CHECK(http_status(errc::not_supported) == 501);
  CHECK(http_status(make_error_code(boost::system::errc::io_error)) == 500);
  CHECK(http_status(error_code(20, boost::system::generic_category())) == 500);
}

TEST_CASE("is_retryable only for transient codes") {
  using payintent::is_retryable;
  for (errc e : all_codes) {
    const bool expected = e == errc::busy || e == errc::store_unavailable ||
                          e == errc::shutting_down || e == errc::idempotency_key_in_use ||
                          e == errc::version_conflict;
    CHECK_MESSAGE(is_retryable(e) == expected, fmt::format("{}", e));
  }
  CHECK_FALSE(is_retryable(error_code(61, boost::system::generic_category())));
}
