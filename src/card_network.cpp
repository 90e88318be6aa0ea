#include "payintent/card_network.hpp"

#include <utility>

namespace payintent {

std::string_view to_string(outcome_kind k) noexcept {
  switch (k) {
    case outcome_kind::approved:
      return "approved";
    case outcome_kind::declined:
      return "declined";
    case outcome_kind::challenge:
      return "challenge";
    case outcome_kind::pending:
      return "pending";
    case outcome_kind::unknown:
      return "unknown";
    case outcome_kind::not_sent:
      return "not_sent";
  }
  return "invalid";
}

network_outcome network_outcome::approved(std::string network_transaction_id) {
  network_outcome o;
  o.kind = outcome_kind::approved;
  o.network_transaction_id = std::move(network_transaction_id);
  return o;
}

network_outcome network_outcome::declined(std::string decline_code) {
  network_outcome o;
  o.kind = outcome_kind::declined;
  o.decline_code = std::move(decline_code);
  return o;
}

network_outcome network_outcome::challenge(next_action action) {
  network_outcome o;
  o.kind = outcome_kind::challenge;
  o.action = std::move(action);
  return o;
}

network_outcome network_outcome::pending() {
  network_outcome o;
  o.kind = outcome_kind::pending;
  return o;
}

network_outcome network_outcome::unknown(std::string message) {
  network_outcome o;
  o.kind = outcome_kind::unknown;
  o.message = std::move(message);
  return o;
}

network_outcome network_outcome::not_sent(std::string message) {
  network_outcome o;
  o.kind = outcome_kind::not_sent;
  o.message = std::move(message);
  return o;
}

void card_network::async_lookup(const std::string& /*reference*/, lookup_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported), lookup_result{});
}

void card_network::async_void(const std::string& /*reference*/, void_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported));
}

void card_network::async_capture(const follow_up_request& /*request*/, follow_up_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported), network_outcome{});
}

void card_network::async_release(const follow_up_request& /*request*/, follow_up_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported), network_outcome{});
}

void card_network::async_refund(const follow_up_request& /*request*/, follow_up_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported), network_outcome{});
}

void card_network::async_lookup_capture(const std::string& /*reference*/, lookup_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported), lookup_result{});
}

void card_network::async_lookup_release(const std::string& /*reference*/, lookup_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported), lookup_result{});
}

void card_network::async_lookup_refund(const std::string& /*reference*/, lookup_handler handler) {
  std::move(handler)(make_error_code(errc::not_supported), lookup_result{});
}

}  // namespace payintent
