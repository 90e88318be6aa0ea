#include "http_server/challenge_routes.hpp"

#include "http_server/challenge_page.hpp"
#include "http_server/form.hpp"
#include "http_server/intent_json.hpp"
#include "http_server/use_tuple.hpp"

#include <payintent/payment_service.hpp>

#include <fmt/format.h>

namespace payintent::http {
namespace {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

page_response html(bhttp::status status, std::string body) {
  page_response res(status, 11);
  res.set(bhttp::field::content_type, "text/html; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  // Nothing loads from anywhere; the form posts here only (its redirect to
  // the return_url is a navigation, which form-action would also govern).
  res.set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(body);
  return res;
}

page_response problem(bhttp::status status, std::string_view message) {
  return html(status, problem_page(message));
}

bool waits_on(const payment_intent& intent, const challenge_link& link) {
  return intent.status == intent_status::requires_action && intent.next_action &&
         intent.next_action->three_ds_server_trans_id == link.three_ds_server_trans_id;
}

bool expired(const payment_intent& intent) {
  return intent.status == intent_status::failed && intent.last_error &&
         intent.last_error->code == "challenge_expired";
}

std::string_view redirect_status(const payment_intent& intent) {
  switch (intent.status) {
    case intent_status::succeeded:
      return "succeeded";
    case intent_status::processing:
    case intent_status::requires_review:
      return "processing";
    default:
      return "failed";
  }
}

// `url` with the outcome appended to its query, before any fragment.
std::string return_to(std::string_view url, const payment_intent& intent) {
  const std::size_t hash = url.find('#');
  const std::string_view base = url.substr(0, hash);
  const std::string_view fragment = hash == std::string_view::npos ? "" : url.substr(hash);
  return fmt::format("{}{}payment_intent={}&redirect_status={}{}", base,
                     base.find('?') == std::string_view::npos ? '?' : '&', intent.id.str(),
                     redirect_status(intent), fragment);
}

// The page for an intent no longer waiting on this challenge.
page_response settled(const payment_intent& intent, const challenge_link& link, bool redirect) {
  if (expired(intent)) return html(bhttp::status::ok, expired_page());
  if (redirect && !link.return_url.empty()) {
    page_response res = html(bhttp::status::see_other, {});
    res.set(bhttp::field::location, return_to(link.return_url, intent));
    return res;
  }
  return html(bhttp::status::ok, finished_page(stripe_status(intent), link.return_url));
}

page_response show(const payment_intent& intent, const challenge_link& link,
                   const simulated_acs& acs, std::string_view path) {
  if (!waits_on(intent, link)) return settled(intent, link, false);
  const auto left = link.issued + acs.challenge_expiry - std::chrono::system_clock::now();
  const auto* currency = intent.amount.currency;
  challenge_view view{
      link.tenant,
      currency ? format_amount(intent.amount.minor_units, currency->code, currency->exponent)
               : std::to_string(intent.amount.minor_units),
      intent.description, std::string(path), std::chrono::ceil<std::chrono::seconds>(left)};
  return html(bhttp::status::ok, challenge_page(view));
}

// "Y" or "N" for the button pressed, or "" for anything else.
std::string trans_status_of(const page_request& req) {
  form_fields form;
  if (parse_form(req.body(), form)) return {};
  for (const form_field& f : form) {
    if (f.name != "choice") continue;
    if (f.value == "complete") return "Y";
    if (f.value == "fail") return "N";
  }
  return {};
}

}  // namespace

void link_challenge(boost::json::object& json, const payment_intent& intent,
                    std::string_view tenant, std::string_view return_url, simulated_acs& acs) {
  if (intent.status != intent_status::requires_action || !intent.next_action ||
      intent.next_action->type != "redirect_to_url") {
    return;
  }
  const std::string intent_id = intent.id.str();
  const std::string token =
      acs.tokens.issue(tenant, intent_id, intent.next_action->three_ds_server_trans_id, return_url);
  const auto link = acs.tokens.find(token, intent_id);
  boost::json::object& redirect = json["next_action"].as_object()["redirect_to_url"].as_object();
  redirect["url"] = fmt::format("{}{}{}/{}", acs.base_url, challenge_path, intent_id, token);
  if (link && !link->return_url.empty()) redirect["return_url"] = link->return_url;
}

awaitable<page_response> challenge_route(const page_request& req, payment_service& service,
                                         simulated_acs& acs,
                                         std::chrono::milliseconds wait_budget) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string_view rest = path.substr(challenge_path.size());
  const std::size_t slash = rest.find('/');
  const std::string_view intent = rest.substr(0, slash);
  const std::string_view token =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  const auto link = acs.tokens.find(token, intent);
  if (intent.empty() || token.empty() || !link) {
    co_return problem(bhttp::status::not_found,
                      "This challenge link is not valid, or it is no longer kept.");
  }
  const bool is_post = req.method() == bhttp::verb::post;
  if (!is_post && req.method() != bhttp::verb::get) {
    page_response res = problem(bhttp::status::method_not_allowed, "Use the page's buttons.");
    res.set(bhttp::field::allow, "GET, POST");
    co_return res;
  }
  diagnostics diag;
  if (!is_post) {
    auto [ec, current] = co_await service.async_retrieve(link->tenant, intent, &diag, use_tuple);
    if (ec) {
      co_return problem(bhttp::status::service_unavailable,
                        "The payment cannot be read right now. Reload this page to try again.");
    }
    co_return show(current, *link, acs, path);
  }

  const std::string choice = trans_status_of(req);
  if (choice.empty()) co_return problem(bhttp::status::bad_request, "Use the page's buttons.");
  // The first click fixes the answer; every later one replays it.
  auto params = acs.tokens.answer(
      token, [&] { return acs.complete(link->three_ds_server_trans_id, choice); });
  if (!params) co_return problem(bhttp::status::not_found, "This challenge link is not valid.");
  params->wait_budget = wait_budget;
  auto [auth_ec, answered] = co_await service.async_authenticate(
      link->tenant, authenticate_key(token), intent, *params, &diag, use_tuple);
  if (!auth_ec) co_return settled(answered.intent, *link, true);
  // Refused (the challenge ended before: expired, canceled, answered under
  // another key): the intent as it is now says where to go.
  auto [again_ec, now] = co_await service.async_retrieve(link->tenant, intent, &diag, use_tuple);
  if (again_ec || waits_on(now, *link)) {
    co_return problem(bhttp::status::service_unavailable,
                      "The answer could not be recorded. Go back and try again.");
  }
  co_return settled(now, *link, true);
}

}  // namespace payintent::http
