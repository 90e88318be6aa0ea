#include "http_server/intent_json.hpp"

#include <boost/json/value.hpp>

#include <cctype>
#include <string>

namespace payintent::http {
namespace {

boost::json::value text_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return boost::json::value(text);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

boost::json::value error_json(const std::optional<payment_error>& error) {
  if (!error) return nullptr;
  boost::json::object e;
  e["type"] = error->code == "card_declined" ? "card_error" : "api_error";
  e["code"] = error->code;
  e["decline_code"] = text_or_null(error->decline_code);
  e["message"] = error->message;
  return e;
}

boost::json::value action_json(const std::optional<next_action>& action) {
  if (!action) return nullptr;
  boost::json::object a;
  if (action->type == "redirect_to_url") {
    a["type"] = "redirect_to_url";
    a["redirect_to_url"] = {{"url", action->redirect_url}, {"return_url", nullptr}};
  } else {
    a["type"] = "use_stripe_sdk";
    a["use_stripe_sdk"] = {{"type", "three_d_secure_redirect"}, {"payload", action->sdk_payload}};
  }
  a["three_d_secure_server_transaction_id"] = action->three_ds_server_trans_id;
  return a;
}

}  // namespace

std::string_view stripe_status(const payment_intent& intent) noexcept {
  switch (intent.status) {
    case intent_status::created:
      return intent.payment_method.empty() ? "requires_payment_method" : "requires_confirmation";
    case intent_status::failed:
      return "requires_payment_method";
    case intent_status::requires_review:
      return "processing";
    default:
      return to_string(intent.status);
  }
}

boost::json::object intent_json(const payment_intent& intent) {
  boost::json::object o;
  o["id"] = intent.id.str();
  o["object"] = "payment_intent";
  o["amount"] = intent.amount.minor_units;
  o["amount_received"] = intent.amount_received();
  o["amount_capturable"] =
      intent.status == intent_status::requires_capture ? intent.amount.minor_units : 0;
  o["currency"] = intent.amount.currency ? lower(intent.amount.currency->code) : std::string();
  o["status"] = stripe_status(intent);
  o["payintent_status"] = to_string(intent.status);
  o["capture_method"] = to_string(intent.capture_method);
  o["cancellation_reason"] = text_or_null(intent.cancellation_reason);
  o["created"] = intent.created_at_ms / 1000;
  o["description"] = text_or_null(intent.description);
  o["payment_method"] = text_or_null(intent.payment_method);
  o["last_payment_error"] = error_json(intent.last_error);
  o["next_action"] = action_json(intent.next_action);
  boost::json::object metadata;
  for (const auto& [k, v] : intent.metadata) metadata[k] = v;
  o["metadata"] = std::move(metadata);
  o["livemode"] = false;
  return o;
}

boost::json::object refund_json(const refund& r) {
  boost::json::object o;
  o["id"] = r.id;
  o["object"] = "refund";
  o["amount"] = r.amount.minor_units;
  o["currency"] = r.amount.currency ? lower(r.amount.currency->code) : std::string();
  o["payment_intent"] = r.intent.str();
  o["reason"] = text_or_null(r.reason);
  o["status"] = r.status == refund_status::requires_review ? "pending" : to_string(r.status);
  o["payintent_status"] = to_string(r.status);
  o["failure_reason"] = text_or_null(r.failure_reason);
  o["created"] = r.attempt.created_at_ms / 1000;
  return o;
}

}  // namespace payintent::http
