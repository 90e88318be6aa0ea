#include "http_server/challenge_page.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace payintent::http {
namespace {

// `title` and `body` are HTML already; the title is fixed text.
std::string page(std::string_view title, std::string_view body, std::string_view head_extra = {}) {
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">{}"
      "<title>{}</title></head>\n<body>\n<h1>{}</h1>\n{}\n"
      "<p><small>Simulated 3-D Secure ACS (payintent example server). In production "
      "this page is your card issuer's.</small></p>\n</body></html>\n",
      head_extra, title, title, body);
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_amount(std::int64_t minor_units, std::string_view currency, int exponent) {
  std::string digits = std::to_string(std::llabs(minor_units));
  if (exponent > 0) {
    const auto e = static_cast<std::size_t>(exponent);
    if (digits.size() <= e) digits.insert(0, e + 1 - digits.size(), '0');
    digits.insert(digits.size() - e, 1, '.');
  }
  return fmt::format("{}{} {}", minor_units < 0 ? "-" : "", digits, currency);
}

std::string challenge_page(const challenge_view& view) {
  const long long seconds = view.remaining.count() > 0 ? view.remaining.count() : 0;
  std::string body = fmt::format(
      "<p id=\"merchant\">Merchant: <strong>{}</strong></p>\n"
      "<p id=\"amount\">Amount: <strong>{}</strong></p>\n",
      html_escape(view.merchant), html_escape(view.amount));
  if (!view.description.empty()) {
    body += fmt::format("<p id=\"description\">{}</p>\n", html_escape(view.description));
  }
  body += fmt::format(
      "<p id=\"timeout\">Answer within about {} s; after that this challenge expires.</p>\n"
      "<form method=\"post\" action=\"{}\">\n"
      "<button type=\"submit\" name=\"choice\" value=\"complete\" "
      "id=\"complete\">Complete</button>\n"
      "<button type=\"submit\" name=\"choice\" value=\"fail\" id=\"fail\">Fail</button>\n"
      "</form>",
      seconds, html_escape(view.form_action));
  // One second past the window: the reload asks the library, which ends it.
  const std::string refresh =
      fmt::format("<meta http-equiv=\"refresh\" content=\"{}\">", seconds + 1);
  return page("Confirm this payment", body, refresh);
}

std::string expired_page() {
  return page("This challenge expired",
              "<p id=\"expired\">The time to confirm this payment ran out. The payment was not "
              "made; return to the shop to try again.</p>");
}

std::string finished_page(std::string_view status, std::string_view return_url) {
  std::string body = fmt::format(
      "<p id=\"finished\">This challenge was already answered. The payment is "
      "<strong>{}</strong>.</p>",
      html_escape(status));
  if (!return_url.empty()) {
    body += fmt::format("\n<p><a id=\"return\" href=\"{}\">Return to the shop</a></p>",
                        html_escape(return_url));
  }
  return page("Challenge answered", body);
}

std::string problem_page(std::string_view message) {
  return page("Challenge unavailable",
              fmt::format("<p id=\"problem\">{}</p>", html_escape(message)));
}

}  // namespace payintent::http
