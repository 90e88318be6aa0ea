#include "http_card_network/gateway_answers.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace payintent::gateway {
namespace {

// The answer's status and body, or nullopt when it was not a JSON object.
struct parsed_answer {
  unsigned http_status = 0;
  boost::json::object body;

  // A string field, or "" when absent or not a string.
  std::string text(std::string_view field) const {
    const auto* v = body.if_contains(field);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  }
};

std::optional<parsed_answer> parse(const exchange_result& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.answer.body(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return parsed_answer{r.answer.result_int(), std::move(v.as_object())};
}

error_code network_error() {
  return make_error_code(errc::card_network_error);
}

}  // namespace

network_outcome authorize_outcome(const exchange_result& r) {
  if (r.stage == exchange_stage::never_connected) {
    return network_outcome::not_sent("gateway unreachable: " + r.failure);
  }
  if (r.stage == exchange_stage::no_answer) {
    return network_outcome::unknown("no answer from the gateway: " + r.failure);
  }
  const auto a = parse(r);
  if (a && a->http_status == 200) {
    const std::string status = a->text("status");
    if (status == "approved") return network_outcome::approved(a->text("authorization_id"));
    if (status == "declined") {
      const std::string code = a->text("decline_code");
      return network_outcome::declined(code.empty() ? "declined" : code);
    }
    if (status == "voided") return network_outcome::declined("reference_voided");
    if (status == "pending") return network_outcome::pending();
  }
  if (a && a->http_status == 400) return network_outcome::declined("invalid_request");
  return network_outcome::unknown(fmt::format(
      "the gateway answered HTTP {}, which does not say what happened", r.answer.result_int()));
}

result<lookup_result> lookup_outcome(const exchange_result& r) {
  if (r.stage != exchange_stage::answered) return network_error();
  if (r.answer.result_int() == 404) return lookup_result{};  // found = false
  const auto a = parse(r);
  if (!a || a->http_status != 200) return network_error();
  const std::string status = a->text("status");
  lookup_result found{.found = true};
  if (status == "approved") {
    found.outcome = network_outcome::approved(a->text("authorization_id"));
  } else if (status == "declined") {
    found.outcome = network_outcome::declined(a->text("decline_code"));
  } else if (status == "pending") {
    found.outcome = network_outcome::pending();
  } else if (status == "voided") {
    found.voided = true;
  } else {
    return network_error();  // a status this client does not know: claim nothing
  }
  return found;
}

result<void> void_outcome(const exchange_result& r) {
  if (r.stage == exchange_stage::answered && r.answer.result_int() == 200) {
    const auto a = parse(r);
    if (a && a->text("status") == "voided") return outcome::success();
  }
  return network_error();
}

}  // namespace payintent::gateway
