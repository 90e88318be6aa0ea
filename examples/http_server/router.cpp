#include "http_server/router.hpp"

#include "http_server/events_route.hpp"
#include "http_server/form.hpp"
#include "http_server/intent_json.hpp"
#include "http_server/media_type.hpp"
#include "http_server/stripe_params.hpp"
#include "http_server/use_tuple.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

namespace payintent::http {
namespace {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;
constexpr std::string_view intents_path = "/v1/payment_intents";
constexpr std::string_view refunds_path = "/v1/refunds";

response json_response(int status, const boost::json::object& body) {
  response res(static_cast<bhttp::status>(status), 11);
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  return res;
}

response method_not_allowed(std::string_view allow) {
  response res = error_response(api_error{405,
                                          "invalid_request_error",
                                          "method_not_allowed",
                                          fmt::format("Use {} on this URL", allow),
                                          {}});
  res.set(bhttp::field::allow, allow);
  return res;
}

// Neither the method nor the URL is repeated: either may hold a card number
// in a form no check recognises (percent-encoded, for one).
response unknown_url() {
  return error_response(
      api_error{404, "invalid_request_error", "resource_missing", "Unrecognized request URL", {}});
}

// Who sees an intent: its JSON links a redirect challenge to this server's
// page (challenge_routes.hpp), with the return_url of the request if any.
struct viewer {
  const router_context& ctx;
  const std::string& tenant;
  std::string_view return_url;

  boost::json::object operator()(const payment_intent& intent) const {
    boost::json::object json = intent_json(intent);
    if (ctx.acs) link_challenge(json, intent, tenant, return_url, *ctx.acs);
    return json;
  }
};

// The outcome of a mutating call as the client sees it. `settles` marks the
// calls that send an attempt (confirm, charge): a failed attempt is a 402.
response mutation_response(const error_code& ec, const payment_response& r, const diagnostics& diag,
                           bool settles, const viewer& view) {
  if (ec) return error_response(from_library(ec, &diag));
  response res;
  if (settles && r.intent.status == intent_status::failed && r.intent.last_error) {
    api_error e = from_library(errc::card_declined, nullptr);
    e.code = r.intent.last_error->code;
    e.message = r.intent.last_error->message;
    boost::json::object extra;
    if (!r.intent.last_error->decline_code.empty()) {
      extra["decline_code"] = r.intent.last_error->decline_code;
    }
    extra["payment_intent"] = view(r.intent);
    res = error_response(e, std::move(extra));
  } else {
    res = json_response(200, view(r.intent));
  }
  if (r.replayed) res.set("Idempotent-Replayed", "true");
  return res;
}

// The idempotency key and form of a POST, or why there are none.
std::optional<api_error> read_form(const request& req, std::string& key, form_fields& form) {
  auto header = req.find("Idempotency-Key");
  if (header == req.end()) {
    diagnostics diag{"An Idempotency-Key header is required on every POST"};
    return from_library(errc::missing_idempotency_key, &diag);
  }
  key = std::string(header->value());
  const std::string_view type = req[bhttp::field::content_type];
  if (!req.body().empty() && !media_type_is(type, "application/x-www-form-urlencoded")) {
    return invalid_request("Send the body as application/x-www-form-urlencoded", {},
                           "unsupported_content_type");
  }
  return parse_form(req.body(), form);
}

// The idempotency key and the parameters `parse` makes of the form.
template <class Params>
std::optional<api_error> read_post(const request& req, std::string& key, Params& params,
                                   std::optional<api_error> (*parse)(const form_fields&, Params&)) {
  form_fields form;
  if (auto e = read_form(req, key, form)) return e;
  return parse(form, params);
}

awaitable<response> create(const request& req, const router_context& ctx,
                           const std::string& tenant) {
  std::string key;
  create_request params;
  if (auto e = read_post(req, key, params, parse_create)) co_return error_response(*e);
  diagnostics diag;
  const viewer view{ctx, tenant, params.return_url};
  if (params.confirm) {
    auto [ec, r] = co_await ctx.service.async_charge(
        tenant, key, as_charge(params, ctx.wait_budget), &diag, use_tuple);
    co_return mutation_response(ec, r, diag, true, view);
  }
  auto [ec, r] =
      co_await ctx.service.async_create_intent(tenant, key, params.intent, &diag, use_tuple);
  co_return mutation_response(ec, r, diag, false, view);
}

awaitable<response> confirm(const request& req, const router_context& ctx,
                            const std::string& tenant, std::string_view id) {
  std::string key;
  confirm_request params;
  if (auto e = read_post(req, key, params, parse_confirm)) co_return error_response(*e);
  params.params.wait_budget = ctx.wait_budget;
  diagnostics diag;
  auto [ec, r] =
      co_await ctx.service.async_confirm(tenant, key, id, params.params, &diag, use_tuple);
  co_return mutation_response(ec, r, diag, true, viewer{ctx, tenant, params.return_url});
}

awaitable<response> cancel(const request& req, const router_context& ctx, const std::string& tenant,
                           std::string_view id) {
  std::string key;
  cancel_params params;
  if (auto e = read_post(req, key, params, parse_cancel)) co_return error_response(*e);
  params.wait_budget = ctx.wait_budget;  // a release waits for the network
  diagnostics diag;
  auto [ec, r] = co_await ctx.service.async_cancel(tenant, key, id, params, &diag, use_tuple);
  co_return mutation_response(ec, r, diag, false, viewer{ctx, tenant, {}});
}

awaitable<response> capture(const request& req, const router_context& ctx,
                            const std::string& tenant, std::string_view id) {
  std::string key;
  capture_params params;
  if (auto e = read_post(req, key, params, parse_capture)) co_return error_response(*e);
  params.wait_budget = ctx.wait_budget;
  diagnostics diag;
  auto [ec, r] = co_await ctx.service.async_capture(tenant, key, id, params, &diag, use_tuple);
  co_return mutation_response(ec, r, diag, false, viewer{ctx, tenant, {}});
}

awaitable<response> create_refund(const request& req, const router_context& ctx,
                                  const std::string& tenant) {
  std::string key;
  refund_request params;
  if (auto e = read_post(req, key, params, parse_refund)) co_return error_response(*e);
  params.params.wait_budget = ctx.wait_budget;
  diagnostics diag;
  auto [ec, r] = co_await ctx.service.async_refund(tenant, key, params.payment_intent,
                                                   params.params, &diag, use_tuple);
  if (ec) co_return error_response(from_library(ec, &diag));
  response res = json_response(200, refund_json(r.refund));
  if (r.replayed) res.set("Idempotent-Replayed", "true");
  co_return res;
}

awaitable<response> retrieve_refund(const router_context& ctx, const std::string& tenant,
                                    std::string_view id) {
  diagnostics diag;
  auto [ec, r] = co_await ctx.service.async_retrieve_refund(tenant, id, &diag, use_tuple);
  if (ec) co_return error_response(from_library(ec, &diag));
  co_return json_response(200, refund_json(r));
}

// POST /v1/refunds, GET /v1/refunds/{id}.
awaitable<response> refunds_route(const request& req, const router_context& ctx,
                                  const std::string& tenant, std::string_view path) {
  if (path == refunds_path) {
    if (req.method() != bhttp::verb::post) co_return method_not_allowed("POST");
    co_return co_await create_refund(req, ctx, tenant);
  }
  const std::string_view id = path.substr(refunds_path.size() + 1);
  if (id.empty() || id.find('/') != std::string_view::npos) co_return unknown_url();
  if (req.method() != bhttp::verb::get) co_return method_not_allowed("GET");
  co_return co_await retrieve_refund(ctx, tenant, id);
}

awaitable<response> retrieve(const router_context& ctx, const std::string& tenant,
                             std::string_view id) {
  diagnostics diag;
  auto [ec, intent] = co_await ctx.service.async_retrieve(tenant, id, &diag, use_tuple);
  if (ec) co_return error_response(from_library(ec, &diag));
  co_return json_response(200, viewer{ctx, tenant, {}}(intent));
}

}  // namespace

response error_response(const api_error& e, boost::json::object extra) {
  response res = json_response(e.status, error_json(e, std::move(extra)));
  if (e.replayed) res.set("Idempotent-Replayed", "true");
  if (e.retry_later) res.set(bhttp::field::retry_after, "1");
  if (e.status == 401) res.set(bhttp::field::www_authenticate, "Basic realm=\"payintent\"");
  return res;
}

awaitable<response> route(const request& req, const router_context& ctx) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const bool is_get = req.method() == bhttp::verb::get;
  const bool is_post = req.method() == bhttp::verb::post;

  if (path == "/metrics") {
    if (!is_get) co_return method_not_allowed("GET");
    response res(bhttp::status::ok, 11);
    res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
    res.body() = ctx.stats.render();
    co_return res;
  }
  if (ctx.acs && path.starts_with(challenge_path)) {
    co_return co_await challenge_route(req, ctx.service, *ctx.acs, ctx.wait_budget);
  }
  const bool refunds = path == refunds_path || path.starts_with(std::string(refunds_path) + "/");
  const bool events = ctx.events != nullptr && path == "/v1/events";
  if (!refunds && !events && path != intents_path &&
      !path.starts_with(std::string(intents_path) + "/")) {
    co_return unknown_url();
  }
  auto who = ctx.keys.authenticate(req[bhttp::field::authorization]);
  if (auto* e = std::get_if<api_error>(&who)) co_return error_response(*e);
  const std::string& tenant = std::get<std::string>(who);
  if (refunds) co_return co_await refunds_route(req, ctx, tenant, path);
  if (events) co_return co_await list_events(req, *ctx.events, tenant);

  if (path == intents_path) {
    if (!is_post) co_return method_not_allowed("POST");
    co_return co_await create(req, ctx, tenant);
  }
  // "/v1/payment_intents/{id}" or ".../{id}/{action}"
  const std::string_view rest = path.substr(intents_path.size() + 1);
  const std::size_t slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  const std::string_view action =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (id.empty()) co_return unknown_url();
  if (action.empty()) {
    if (!is_get) co_return method_not_allowed("GET");
    co_return co_await retrieve(ctx, tenant, id);
  }
  if (action != "confirm" && action != "cancel" && action != "capture") co_return unknown_url();
  if (!is_post) co_return method_not_allowed("POST");
  if (action == "confirm") co_return co_await confirm(req, ctx, tenant, id);
  if (action == "capture") co_return co_await capture(req, ctx, tenant, id);
  co_return co_await cancel(req, ctx, tenant, id);
}

}  // namespace payintent::http
