#include "engine/three_ds_input.hpp"

#include "payintent/fingerprint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace payintent::detail {
namespace {

error_code bad(diagnostics* diag, std::string message) {
  if (diag) diag->message = std::move(message);
  return make_error_code(errc::invalid_argument);
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// 1-`max` printable ASCII characters; `field` names it in the message.
result<void> check_token(std::string_view field, std::string_view value, std::size_t max,
                         diagnostics* diag) {
  if (value.empty()) return bad(diag, fmt::format("{} is required", field));
  if (value.size() > max || !printable(value)) {
    return bad(diag, fmt::format("{} must be 1-{} printable ASCII characters", field, max));
  }
  return outcome::success();
}

// "2.2.0": three groups of 1-3 digits joined by dots.
bool is_version(std::string_view v) {
  int dots = 0, digits = 0;
  for (char c : v) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (++digits > 3) return false;
    } else if (c == '.' && digits > 0 && dots < 2) {
      ++dots;
      digits = 0;
    } else {
      return false;
    }
  }
  return dots == 2 && digits > 0;
}

}  // namespace

result<step_up> read_challenge_result(const authenticate_params& p, bool authorize_unavailable,
                                      diagnostics* diag) {
  BOOST_OUTCOME_TRY(check_token("three_ds_server_trans_id", p.three_ds_server_trans_id, 64, diag));
  if (p.trans_status.size() != 1 ||
      std::string_view("YANRU").find(p.trans_status[0]) == std::string_view::npos) {
    return bad(diag, "trans_status must be one of Y, A, N, R, U");
  }
  step_up out;
  out.three_ds_server_trans_id = p.three_ds_server_trans_id;
  out.trans_status = p.trans_status[0];
  switch (out.trans_status) {
    case 'Y':
    case 'A':
      out.resume = true;
      break;
    case 'N':
      out.decline_code = "authentication_failed";
      break;
    case 'R':
      out.decline_code = "authentication_rejected";
      break;
    default:
      out.resume = authorize_unavailable;
      if (!out.resume) out.decline_code = "authentication_unavailable";
  }
  const bool authenticated = out.trans_status == 'Y' || out.trans_status == 'A';
  // No field here is searched for card numbers: the value is a cryptogram
  // and the ids are UUIDs, often hex, where digit runs pass the Luhn check by
  // chance, which would refuse an honest payment at random. None of them is
  // stored or logged (the trans id must equal the stored one; the version is
  // digits and dots), so a card number pasted into one goes nowhere.
  if (authenticated || !p.authentication_value.empty()) {
    BOOST_OUTCOME_TRY(check_token("authentication_value", p.authentication_value, 255, diag));
  }
  if (authenticated || !p.eci.empty()) {
    if (p.eci.size() != 2 || !std::isdigit(static_cast<unsigned char>(p.eci[0])) ||
        !std::isdigit(static_cast<unsigned char>(p.eci[1]))) {
      return bad(diag, "eci must be 2 digits");
    }
  }
  if (authenticated || !p.ds_transaction_id.empty()) {
    BOOST_OUTCOME_TRY(check_token("ds_transaction_id", p.ds_transaction_id, 64, diag));
  }
  if (!p.message_version.empty() && !is_version(p.message_version)) {
    return bad(diag, "message_version must look like 2.2.0");
  }
  return out;
}

std::string authenticate_fingerprint(const intent_id& intent, const authenticate_params& p,
                                     int version) {
  return fingerprint_builder(operation::authenticate, version)
      .add("intent", intent.str())
      .add("three_ds_server_trans_id", p.three_ds_server_trans_id)
      .add("trans_status", p.trans_status)
      .add("eci", p.eci)
      .add("ds_transaction_id", p.ds_transaction_id)
      .add("message_version", p.message_version)
      .hex_digest();
}

three_ds_authentication authentication_of(const authenticate_params& p, const step_up& result) {
  three_ds_authentication a;
  if (result.trans_status != 'U') a.authentication_value = p.authentication_value;
  a.eci = p.eci;
  a.ds_transaction_id = p.ds_transaction_id;
  a.version = p.message_version;
  a.trans_status = result.trans_status;
  return a;
}

}  // namespace payintent::detail
