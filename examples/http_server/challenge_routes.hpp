// http_server — the simulated ACS: 3-D Secure challenge pages over HTTP.
//
//   GET  /3ds/challenge/{intent}/{token}   the challenge page (challenge_page.hpp)
//   POST /3ds/challenge/{intent}/{token}   choice=complete|fail: the cardholder's answer
//
// In production the issuer's ACS shows the challenge; here this server plays
// it, so the whole flow runs on one loopback server. A charge or confirm that
// answers requires_action gets next_action.redirect_to_url.url pointing at a
// page of its own (link_challenge); the page's answer goes to
// payment_service::authenticate under a key derived from the page's token
// (challenge_tokens.hpp), so a double click, a reload or the back button
// authenticates once. Then the browser is sent (303) to the intent's
// return_url with ?payment_intent=ID&redirect_status=succeeded|failed|processing,
// as Stripe does.
//
// No API key: the token is the credential. A token that is unknown, of
// another intent (and so of another tenant), or past its retention is a 404
// page; whether the challenge expired is asked of the library
// (service_options::challenge_expiry), never decided here.
#pragma once

#include "http_server/challenge_tokens.hpp"

#include <payintent/operation_params.hpp>
#include <payintent/records.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace payintent {
class payment_service;
}

namespace payintent::http {

inline constexpr std::string_view challenge_path = "/3ds/challenge/";

// The ACS the pages stand for; borrowed by router_context, outlives requests.
struct simulated_acs {
  challenge_tokens& tokens;
  // What the cardholder's answer makes of a challenge: the fake network's
  // complete_challenge (trans id, "Y" or "N").
  std::function<authenticate_params(const std::string&, const std::string&)> complete;
  std::string base_url;  // "http://127.0.0.1:PORT", set once the port is bound
  std::chrono::milliseconds challenge_expiry;  // service_options::challenge_expiry, for the hint
};

// In `json` (intent_json of `intent`): when the intent waits on a redirect
// challenge, its next_action.redirect_to_url gets this server's page (url)
// and `return_url` (or the one given before for this challenge).
void link_challenge(boost::json::object& json, const payment_intent& intent,
                    std::string_view tenant, std::string_view return_url, simulated_acs& acs);

using page_request = boost::beast::http::request<boost::beast::http::string_body>;
using page_response = boost::beast::http::response<boost::beast::http::string_body>;

// Answers a request whose path starts with challenge_path.
boost::asio::awaitable<page_response> challenge_route(const page_request& req,
                                                      payment_service& service, simulated_acs& acs,
                                                      std::chrono::milliseconds wait_budget);

}  // namespace payintent::http
