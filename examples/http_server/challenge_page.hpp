// http_server — the simulated ACS's pages, as plain HTML.
//
// No script, no style sheet, no image, nothing fetched from anywhere (the
// routes send a Content-Security-Policy of default-src 'none'). Every value
// shown is HTML-escaped: the merchant, the amount and the description come
// from API clients. The challenge window is shown with a meta refresh that
// reloads the page when it ends, so the library (not the page) says that it
// expired. Pure, thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace payintent::http {

// `text` with & < > " ' as character references.
std::string html_escape(std::string_view text);

// "129.00 EUR" from 12900 minor units of a currency with 2 decimals.
std::string format_amount(std::int64_t minor_units, std::string_view currency, int exponent);

struct challenge_view {
  std::string merchant;               // the tenant
  std::string amount;                 // format_amount
  std::string description;            // the intent's, may be empty
  std::string form_action;            // the page's own path: the buttons post there
  std::chrono::seconds remaining{0};  // of the challenge window, as a hint
};

// The challenge: who asks for how much, "Complete" and "Fail" buttons (a form
// field choice=complete|fail), and a refresh at the end of the window.
std::string challenge_page(const challenge_view& view);

// The window passed: the intent has failed (challenge_expired).
std::string expired_page();

// The challenge was answered before (a back button, a reload); `status` the
// intent's Stripe status; a link to `return_url` when there is one.
std::string finished_page(std::string_view status, std::string_view return_url);

// An unknown token, one of another intent, a malformed link, or a failure
// to read the intent: `message` says which, in words for a cardholder.
std::string problem_page(std::string_view message);

}  // namespace payintent::http
