#include "payintent/error.hpp"

#include <string>

namespace payintent {
namespace {

// One table drives the name, the message and the HTTP status, so adding an
// errc means adding one row.
struct errc_info {
  errc code;
  std::string_view name;
  std::string_view message;
  int http;
};

constexpr errc_info errc_table[] = {
    {errc::invalid_argument, "invalid_argument", "invalid argument", 400},
    {errc::missing_idempotency_key, "missing_idempotency_key", "missing idempotency key", 400},
    {errc::invalid_idempotency_key, "invalid_idempotency_key",
     "idempotency key must be 1-255 printable ASCII characters", 400},
    {errc::invalid_amount, "invalid_amount", "invalid amount", 400},
    {errc::unknown_currency, "unknown_currency", "unknown currency", 400},
    {errc::raw_card_number, "raw_card_number",
     "a raw card number was supplied; use a payment method token", 400},
    {errc::not_found, "not_found", "not found", 404},
    {errc::idempotency_key_in_use, "idempotency_key_in_use",
     "a request with this idempotency key is still in progress", 409},
    {errc::invalid_state, "invalid_state", "operation not allowed in the current state", 409},
    {errc::idempotency_key_reused, "idempotency_key_reused",
     "idempotency key was already used with different parameters", 422},
    {errc::card_declined, "card_declined", "the card was declined", 402},
    {errc::card_network_error, "card_network_error", "the card network call failed", 502},
    {errc::store_unavailable, "store_unavailable", "the store is unavailable", 503},
    {errc::busy, "busy", "the store is busy", 503},
    {errc::shutting_down, "shutting_down", "the service is shutting down", 503},
    {errc::storage_full, "storage_full", "the store is full", 507},
    {errc::storage_read_only, "storage_read_only", "the store is read-only", 503},
    {errc::storage_corrupt, "storage_corrupt", "the store's data is corrupt", 500},
    {errc::version_conflict, "version_conflict", "the intent changed concurrently", 409},
    {errc::fenced_out, "fenced_out", "a newer holder owns the attempt", 409},
    {errc::not_supported, "not_supported", "operation not supported", 501},
    {errc::audit_chain_broken, "audit_chain_broken", "the audit chain does not verify", 500},
};

const errc_info* find_info(int value) noexcept {
  for (const auto& info : errc_table) {
    if (static_cast<int>(info.code) == value) return &info;
  }
  return nullptr;
}

// Boost gives error_category a protected non-virtual destructor on purpose
// (categories are never deleted through the base), which -Wnon-virtual-dtor flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  // A fixed id lets codes compare equal across shared-library boundaries.
  constexpr category() noexcept : error_category(0x7061'7969'6e74'6e74ULL) {}

  const char* name() const noexcept override { return "payintent"; }

  std::string message(int value) const override {
    if (const auto* info = find_info(value)) return std::string(info->message);
    return "unknown payintent error " + std::to_string(value);
  }

  char const* message(int value, char* buffer, std::size_t len) const noexcept override {
    if (const auto* info = find_info(value)) return info->message.data();
    return error_category::message(value, buffer, len);
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& payintent_category() noexcept {
  static const category instance;
  return instance;
}

error_code make_error_code(errc e) noexcept {
  return error_code(static_cast<int>(e), payintent_category());
}

int http_status(const error_code& ec) noexcept {
  if (ec.category() != payintent_category()) return 500;
  const auto* info = find_info(ec.value());
  return info ? info->http : 500;
}

bool is_retryable(const error_code& ec) noexcept {
  if (ec.category() != payintent_category()) return false;
  switch (static_cast<errc>(ec.value())) {
    case errc::busy:
    case errc::store_unavailable:
    case errc::shutting_down:
    case errc::idempotency_key_in_use:
    case errc::version_conflict:
      return true;
    default:
      return false;
  }
}

}  // namespace payintent

auto fmt::formatter<payintent::errc>::format(payintent::errc e, format_context& ctx) const
    -> format_context::iterator {
  if (const auto* info = payintent::find_info(static_cast<int>(e))) {
    return fmt::formatter<std::string_view>::format(info->name, ctx);
  }
  return fmt::format_to(ctx.out(), "errc({})", static_cast<int>(e));
}
