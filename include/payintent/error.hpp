// payintent — errors, diagnostics and the result type.
//
// Every fallible operation returns `payintent::result<T>`, an alias of
// `boost::outcome_v2::result<T, boost::system::error_code>`. The code says
// what happened (machine-readable, stable); the optional `diagnostics` value
// says why, for humans. No exception escapes the library: exceptions thrown by
// user callbacks (card_network, stores) are caught and mapped to an errc.
#pragma once

#include <fmt/format.h>
#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace payintent {

namespace outcome = boost::outcome_v2;
using error_code = boost::system::error_code;

template <class T>
using result = outcome::result<T, error_code>;

// The library's error codes. Values are stable: they may be persisted (stored
// idempotent results carry them) and never renumbered.
enum class errc : int {
  // 400: the request itself is wrong. Never retry unchanged.
  invalid_argument = 1,         // a parameter is malformed (detail in diagnostics)
  missing_idempotency_key = 2,  // a mutating call without a key
  invalid_idempotency_key = 3,  // not 1-255 printable ASCII characters
  invalid_amount = 4,           // <= 0 or above the per-currency maximum
  unknown_currency = 5,         // not an active ISO 4217 code
  raw_card_number = 6,          // a field held a PAN; it was not stored or logged
  // 404: no such object for this tenant (another tenant's object looks absent).
  not_found = 20,
  // 409: a conflict with the current state.
  idempotency_key_in_use = 30,  // a request with this key is still running; retry later
  invalid_state = 31,           // e.g. confirm of a succeeded intent
  // 422: the key was used before with other parameters.
  idempotency_key_reused = 40,
  // 402: the card network declined. Only used when mapping a failed intent.
  card_declined = 45,
  // 502: the card network callback failed or threw before giving an outcome.
  card_network_error = 50,
  // 503: transient; nothing was cached, the key is free, retry with backoff.
  store_unavailable = 60,
  busy = 61,
  shutting_down =
      62,  // the service is stopping (payment_service::shutdown): another server answers
  // 507 / 500: the store cannot accept writes or its data is damaged.
  storage_full = 70,
  storage_read_only = 71,
  storage_corrupt = 72,
  // Internal protocol outcomes a store reports; the service handles them.
  version_conflict = 80,  // the intent changed since it was loaded: reload, decide again
  fenced_out = 81,        // a newer holder owns the attempt: this writer lost its lease
  // 501: a store or network that does not implement an optional operation.
  not_supported = 90,
  // The audit chain does not verify.
  audit_chain_broken = 95,
};

// The category, named "payintent". Thread-safe, a singleton.
const boost::system::error_category& payintent_category() noexcept;

// Enables `error_code ec = errc::not_found;`.
error_code make_error_code(errc e) noexcept;

// The HTTP status a server should answer for a code (docs/design.md, "Errors").
// Codes outside the payintent category answer 500.
int http_status(const error_code& ec) noexcept;

// True when retrying the same request later may succeed (503s, in_use).
bool is_retryable(const error_code& ec) noexcept;

// Human-readable detail travelling beside an error_code. Never contains card
// numbers, authentication values or other secrets: messages name fields, not
// their values.
struct diagnostics {
  std::string message;    // empty when there is nothing to add
  bool replayed = false;  // the error is a stored result replayed for a retry
  void clear() {
    message.clear();
    replayed = false;
  }
};

}  // namespace payintent

namespace boost::system {
template <>
struct is_error_code_enum<payintent::errc> : std::true_type {};
}  // namespace boost::system

template <>
struct fmt::formatter<payintent::errc> : fmt::formatter<std::string_view> {
  auto format(payintent::errc e, format_context& ctx) const -> format_context::iterator;
};
