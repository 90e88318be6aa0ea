// Fuzzes idempotency keys, tenants and intent ids: every input is answered
// (a value or a clear error), and an accepted value obeys the documented rules
// (include/payintent/validation.hpp).
#include "payintent/validation.hpp"
#include "support/byte_reader.hpp"

#include <algorithm>

namespace {

using namespace payintent;

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool tenant_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

void check_key(std::string_view key) {
  diagnostics diag;
  auto r = validate_idempotency_key(key, &diag);
  if (r) {
    if (key.empty() || key.size() > 255 || !printable(key)) fuzz::fail("key accepted out of range");
    if (contains_card_number(key)) fuzz::fail("key holding a card number accepted");
    if (r.value().str() != key) fuzz::fail("accepted key altered");
    return;
  }
  const auto code = errc(r.error().value());
  if (key.empty() ? code != errc::missing_idempotency_key
                  : code != errc::invalid_idempotency_key && code != errc::raw_card_number) {
    fuzz::fail("key rejected with an unexpected code");
  }
  if (key.size() >= 4 && diag.message.find(key) != std::string::npos) {
    fuzz::fail("a rejected key was echoed into diagnostics");
  }
}

void check_tenant(std::string_view tenant) {
  auto r = validate_tenant(tenant);
  const bool valid = !tenant.empty() && tenant.size() <= 64 &&
                     std::all_of(tenant.begin(), tenant.end(), tenant_char);
  if (bool(r) != valid) fuzz::fail("tenant rule disagrees with validate_tenant");
  if (!r && errc(r.error().value()) != errc::invalid_argument) fuzz::fail("tenant error code");
}

void check_intent_id(std::string_view id) {
  auto r = validate_intent_id(id);
  if (r && (id.size() != 27 || id.substr(0, 3) != "pi_"))
    fuzz::fail("malformed intent id accepted");
  if (!r && errc(r.error().value()) != errc::not_found) fuzz::fail("intent id error code");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  payintent::fuzz::byte_reader in(data, size);
  const auto which = in.pick(3);
  const auto text = in.rest();
  switch (which) {
    case 0:
      check_key(text);
      break;
    case 1:
      check_tenant(text);
      break;
    default:
      check_intent_id(text);
      break;
  }
  return 0;
}
