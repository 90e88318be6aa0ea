#include "http_server/webhooks.hpp"

#include "common/cli.hpp"
#include "http_server/event_json.hpp"
#include "http_server/webhook_signature.hpp"

#include <payintent/fingerprint.hpp>
#include <payintent/validation.hpp>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>

namespace payintent::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The HTTP status of one POST, or 0 when none came (refused, timed out).
int post_once(const webhook_endpoint& to, const std::string& body, const std::string& signature,
              std::chrono::milliseconds timeout) {
  asio::io_context io;
  int status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::ip::tcp::resolver resolver(io);
        beast::tcp_stream stream(io);
        stream.expires_after(timeout);
        const auto found =
            co_await resolver.async_resolve(to.host, std::to_string(to.port), asio::use_awaitable);
        co_await stream.async_connect(found, asio::use_awaitable);
        beast::http::request<beast::http::string_body> req(beast::http::verb::post, to.target, 11);
        req.set(beast::http::field::host, to.host);
        req.set(beast::http::field::content_type, "application/json");
        req.set(beast::http::field::user_agent, "payintent-webhooks");
        req.set("Stripe-Signature", signature);
        req.body() = body;
        req.prepare_payload();
        co_await beast::http::async_write(stream, req, asio::use_awaitable);
        beast::flat_buffer buffer;
        beast::http::response<beast::http::string_body> res;
        co_await beast::http::async_read(stream, buffer, res, asio::use_awaitable);
        status = res.result_int();
      },
      [](const std::exception_ptr&) {});
  io.run();
  return status;
}

// The store's cursor for `to`: one per tenant and URL.
std::string consumer_name(const webhook_endpoint& to) {
  return fmt::format("webhook {} {}", to.tenant, sha256_hex(to.url).substr(0, 16));
}

}  // namespace

std::variant<webhook_endpoint, std::string> parse_webhook(std::string_view text) {
  const auto eq = text.find('=');
  const auto comma = text.rfind(',');
  if (eq == std::string_view::npos || eq == 0 || comma == std::string_view::npos || comma < eq) {
    return std::string("--webhook: expected TENANT=URL,SECRET");
  }
  webhook_endpoint out;
  out.tenant = std::string(text.substr(0, eq));
  out.url = std::string(text.substr(eq + 1, comma - eq - 1));
  out.secret = std::string(text.substr(comma + 1));
  diagnostics diag;
  if (!validate_tenant(out.tenant, &diag)) return fmt::format("--webhook: {}", diag.message);
  if (out.secret.empty()) return std::string("--webhook: the SECRET is empty");
  constexpr std::string_view scheme = "http://";
  if (!out.url.starts_with(scheme))
    return std::string("--webhook: the URL must start with http://");
  std::string_view rest = std::string_view(out.url).substr(scheme.size());
  const auto slash = rest.find('/');
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const std::string_view authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    const auto port = cli::parse_int<std::uint16_t>(authority.substr(colon + 1), 1, 65535);
    if (!port) return std::string("--webhook: the URL's port must be in 1..65535");
    out.port = *port;
  }
  if (out.host.empty()) return std::string("--webhook: the URL names no host");
  return out;
}

webhook_sender::webhook_sender(idempotency_store& store, std::vector<webhook_endpoint> endpoints,
                               delivery_options options, metrics& stats)
    : store_(store), endpoints_(std::move(endpoints)), options_(options), stats_(stats) {
  threads_.reserve(endpoints_.size());
  for (const auto& endpoint : endpoints_)
    threads_.emplace_back([this, &endpoint] { run(endpoint); });
}

webhook_sender::~webhook_sender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

bool webhook_sender::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

// Tries `e` until a 2xx, the give-up window, or stop; true when it was
// delivered or abandoned (acknowledge it), false when stopping.
bool webhook_sender::deliver(const webhook_endpoint& to, const event_record& e) {
  const std::string body = boost::json::serialize(event_json(e));
  const auto first_try = std::chrono::steady_clock::now();
  auto delay = options_.first_retry;
  for (;;) {
    const int status = post_once(to, body, stripe_signature(to.secret, unix_seconds(), body),
                                 options_.request_timeout);
    const bool delivered = status >= 200 && status < 300;
    stats_.record_webhook(delivered);
    if (delivered) return true;
    if (std::chrono::steady_clock::now() - first_try >= options_.give_up_after) {
      stats_.record_webhook_abandoned();
      return true;
    }
    if (!pause(delay)) return false;
    delay = std::min(delay * 2, options_.max_retry_delay);
  }
}

void webhook_sender::run(const webhook_endpoint& to) {
  const std::string name = consumer_name(to);
  std::uint64_t cursor = 0;
  for (;;) {  // the cursor as the store holds it
    auto position = store_.consumer_position(name);
    if (position) {
      cursor = position.value();
      break;
    }
    if (!pause(options_.poll_interval)) return;
  }
  for (;;) {
    auto page = store_.read_events({cursor, tenant_id(to.tenant), {}, 50});
    if (!page || page.value().empty()) {
      if (!pause(options_.poll_interval)) return;
      continue;
    }
    for (const auto& e : page.value()) {
      if (!deliver(to, e)) return;
      // Acknowledged only after the 2xx; a crash before this line hands the
      // event over again on restart (at least once).
      while (!store_.acknowledge_events(name, e.sequence)) {
        if (!pause(options_.poll_interval)) return;
      }
      cursor = e.sequence;
    }
  }
}

}  // namespace payintent::http
