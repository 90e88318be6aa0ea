#include "payintent/validation.hpp"

#include "ascii.hpp"

#include <cstddef>
#include <string>

namespace payintent {
namespace {

constexpr std::size_t max_tenant_length = 64;
constexpr std::size_t max_key_length = 255;
constexpr std::size_t max_payment_method_length = 255;
constexpr std::size_t max_metadata_pairs = 50;
constexpr std::size_t max_metadata_key_length = 40;
constexpr std::size_t max_metadata_value_length = 500;

// Records the human detail (naming the field, never its value) and yields the code.
error_code fail(diagnostics* diag, errc code, std::string message) {
  if (diag != nullptr) diag->message = std::move(message);
  return code;
}


bool all_printable_ascii(std::string_view s) noexcept {
  for (char c : s) {
    if (!ascii::is_printable(c)) return false;
  }
  return true;
}

// Accepts well-formed UTF-8 (descriptions are people's text) but no C0, DEL
// or C1 control characters, which break logs and JSON consumers.
bool is_clean_text(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t extra = 0;
    char32_t cp = 0;
    if ((b & 0xe0) == 0xc0) {
      extra = 1;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      extra = 2;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      extra = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    constexpr char32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;  // overlong, out of range or a surrogate
    }
    if (cp >= 0x80 && cp <= 0x9f) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::int64_t amount_limits::max_for(const currency& c) const {
  const auto it = per_currency.find(c.code);
  return it != per_currency.end() ? it->second : default_max;
}

result<tenant_id> validate_tenant(std::string_view tenant, diagnostics* diag) {
  if (tenant.empty() || tenant.size() > max_tenant_length) {
    return fail(diag, errc::invalid_argument, "tenant must be 1-64 characters");
  }
  for (char c : tenant) {
    if (!ascii::is_alnum(c) && c != '_' && c != '.' && c != '-') {
      return fail(diag, errc::invalid_argument,
                  "tenant may only contain letters, digits, '_', '.' and '-'");
    }
  }
  // A server sees the same few tenants over and over: each thread keeps the
  // last one, so consecutive calls share its text instead of copying it.
  thread_local tenant_id last;
  if (last.str() != tenant) last = tenant_id(std::string(tenant));
  return last;
}

result<idempotency_key> validate_idempotency_key(std::string_view key, diagnostics* diag) {
  if (key.empty()) {
    return fail(diag, errc::missing_idempotency_key, "idempotency key is required");
  }
  if (key.size() > max_key_length || !all_printable_ascii(key)) {
    return fail(diag, errc::invalid_idempotency_key,
                "idempotency key must be 1-255 printable ASCII characters");
  }
  if (contains_card_number(key)) {
    return fail(diag, errc::raw_card_number,
                "idempotency key contains what looks like a card number");
  }
  return idempotency_key(std::string(key));
}

result<intent_id> validate_intent_id(std::string_view id, diagnostics* diag) {
  constexpr std::string_view prefix = "pi_";
  bool ok = id.size() == prefix.size() + intent_id_chars && id.starts_with(prefix);
  for (std::size_t i = prefix.size(); ok && i < id.size(); ++i) ok = ascii::is_alnum(id[i]);
  if (!ok) return fail(diag, errc::not_found, "intent id is malformed");
  return intent_id(std::string(id));
}

result<money> validate_money(std::int64_t minor_units, std::string_view currency_code,
                             const amount_limits& limits, diagnostics* diag) {
  const currency* cur = find_currency(currency_code);
  if (cur == nullptr) {
    return fail(diag, errc::unknown_currency, "currency is not an active ISO 4217 code");
  }
  if (minor_units <= 0) {
    return fail(diag, errc::invalid_amount, "amount must be greater than zero");
  }
  const std::int64_t max = limits.max_for(*cur);
  if (minor_units > max) {
    return fail(diag, errc::invalid_amount,
                fmt::format("amount exceeds the maximum of {} minor units for {}", max, cur->code));
  }
  return money{minor_units, cur};
}

result<void> validate_text(std::string_view field, std::string_view value, std::size_t max_length,
                           diagnostics* diag) {
  if (value.size() > max_length) {
    return fail(diag, errc::invalid_argument,
                fmt::format("{} must be at most {} bytes", field, max_length));
  }
  if (!is_clean_text(value)) {
    return fail(diag, errc::invalid_argument,
                fmt::format("{} must be UTF-8 text without control characters", field));
  }
  if (contains_card_number(value)) {
    return fail(diag, errc::raw_card_number,
                fmt::format("{} contains what looks like a card number", field));
  }
  return outcome::success();
}

result<void> validate_metadata(const std::map<std::string, std::string>& metadata,
                               diagnostics* diag) {
  if (metadata.size() > max_metadata_pairs) {
    return fail(diag, errc::invalid_argument,
                fmt::format("metadata may hold at most {} pairs", max_metadata_pairs));
  }
  for (const auto& [key, value] : metadata) {
    if (key.empty()) {
      return fail(diag, errc::invalid_argument, "metadata key must not be empty");
    }
    BOOST_OUTCOME_TRY(validate_text("metadata key", key, max_metadata_key_length, diag));
    BOOST_OUTCOME_TRY(validate_text("metadata value", value, max_metadata_value_length, diag));
  }
  return outcome::success();
}

result<void> validate_payment_method(std::string_view token, diagnostics* diag) {
  if (token.empty() || token.size() > max_payment_method_length || !all_printable_ascii(token)) {
    return fail(diag, errc::invalid_argument,
                "payment method must be a token of 1-255 printable ASCII characters");
  }
  if (contains_card_number(token)) {
    return fail(diag, errc::raw_card_number,
                "payment method looks like a raw card number; send a token instead");
  }
  return outcome::success();
}

}  // namespace payintent
