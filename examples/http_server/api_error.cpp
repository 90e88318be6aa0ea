#include "http_server/api_error.hpp"

#include <payintent/validation.hpp>

#include <fmt/format.h>

namespace payintent::http {
namespace {

bool in_payintent(const error_code& ec, errc e) {
  return ec.category() == payintent_category() && ec.value() == static_cast<int>(e);
}

// Stripe names a few of these conditions itself; its clients test for them.
std::string code_for(const error_code& ec) {
  if (ec.category() != payintent_category()) return "api_error";
  const auto e = static_cast<errc>(ec.value());
  switch (e) {
    case errc::not_found:
      return "resource_missing";
    case errc::invalid_state:
      return "payment_intent_unexpected_state";
    default:
      return fmt::format("{}", e);
  }
}

std::string param_for(const error_code& ec) {
  if (in_payintent(ec, errc::invalid_amount)) return "amount";
  if (in_payintent(ec, errc::unknown_currency)) return "currency";
  return {};
}

}  // namespace

api_error invalid_request(std::string message, std::string param, std::string code) {
  return api_error{400, "invalid_request_error", std::move(code), std::move(message),
                   std::move(param)};
}

api_error from_library(const error_code& ec, const diagnostics* diag) {
  api_error e;
  e.status = http_status(ec);
  e.code = code_for(ec);
  e.param = param_for(ec);
  // A 404's detail would only repeat the id from the URL, which the client has.
  if (in_payintent(ec, errc::not_found)) {
    e.message = "No such payment_intent";
  } else {
    e.message = diag && !diag->message.empty() ? diag->message : ec.message();
  }
  e.replayed = diag && diag->replayed;
  e.retry_later = is_retryable(ec);
  if (in_payintent(ec, errc::idempotency_key_in_use) ||
      in_payintent(ec, errc::idempotency_key_reused)) {
    e.type = "idempotency_error";
  } else if (in_payintent(ec, errc::card_declined)) {
    e.type = "card_error";
  } else if (e.status >= 500) {
    e.type = "api_error";
  } else {
    e.type = "invalid_request_error";
  }
  return e;
}

boost::json::object error_json(const api_error& e, boost::json::object extra) {
  boost::json::object inner = std::move(extra);
  inner["type"] = e.type;
  inner["code"] = e.code;
  // The last guard on what goes back: text that may hold a card number in
  // any form, from wherever it came, is not repeated (the wide net: a false
  // match costs only a less specific message).
  inner["message"] = holds_card_digits(e.message)
                         ? "The message is withheld: it would repeat what looks like a card number"
                         : e.message;
  if (!e.param.empty() && !holds_card_digits(e.param)) inner["param"] = e.param;
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return outer;
}

}  // namespace payintent::http
