#include "http_card_network/http_card_network.hpp"

#include "http_card_network/gateway_answers.hpp"
#include "http_card_network/gateway_api.hpp"
#include "http_card_network/http_exchange.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/serialize.hpp>

#include <exception>
#include <utility>

namespace payintent::gateway {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using clock = std::chrono::steady_clock;

http_request make_request(bhttp::verb verb, std::string_view target) {
  http_request req{verb, target, 11};
  req.set(bhttp::field::host, "gateway");
  return req;
}

// The authorize exchange and its one resend (http_card_network.hpp).
asio::awaitable<exchange_result> authorize_exchange(asio::ip::tcp::endpoint to, http_request req,
                                                    std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  exchange_result first = co_await exchange(to, req, deadline);
  if (first.stage == exchange_stage::no_answer && deadline - clock::now() >= timeout / 2) {
    exchange_result again = co_await exchange(to, std::move(req), deadline);
    if (again.stage == exchange_stage::answered) co_return again;
  }
  co_return first;  // never_connected stays not_sent; no_answer stays unknown
}

asio::awaitable<exchange_result> single_exchange(asio::ip::tcp::endpoint to, http_request req,
                                                 std::chrono::milliseconds timeout) {
  co_return co_await exchange(to, std::move(req), clock::now() + timeout);
}

}  // namespace

http_card_network::http_card_network(http_network_options options)
    : options_(std::move(options)), work_(io_.get_executor()), thread_([this] { io_.run(); }) {
}

http_card_network::~http_card_network() {
  work_.reset();   // run() returns once the calls in flight have completed
  thread_.join();  // each is bounded by its timeout
}

std::optional<std::string> http_card_network::check_timeouts(const http_network_options& network,
                                                             const service_options& service) {
  if (network.authorize_timeout * 2 > service.attempt_lease) {
    return fmt::format(
        "authorize_timeout {} is more than half of service_options::attempt_lease {}",
        network.authorize_timeout, service.attempt_lease);
  }
  if (network.lookup_timeout >= service.network_timeout) {
    return fmt::format("lookup_timeout {} is not below service_options::network_timeout {}",
                       network.lookup_timeout, service.network_timeout);
  }
  return std::nullopt;
}

void http_card_network::async_authorize(const authorization_request& request,
                                        authorize_handler handler) {
  if (request.authentication) {
    return std::move(handler)(
        network_outcome::not_sent("this gateway example has no 3-D Secure API"));
  }
  if (!valid_idempotency_key(request.reference) || request.amount.currency == nullptr) {
    return std::move(handler)(network_outcome::not_sent(
        "the reference is not a gateway idempotency key, or the amount has no currency"));
  }
  auto req = make_request(bhttp::verb::post, authorizations_path);
  req.set("Idempotency-Key", request.reference);
  req.set(bhttp::field::content_type, "application/json");
  req.body() =
      boost::json::serialize(boost::json::object{{"amount", request.amount.minor_units},
                                                 {"currency", request.amount.currency->code},
                                                 {"payment_method", request.payment_method}});
  asio::co_spawn(io_,
                 authorize_exchange(options_.gateway, std::move(req), options_.authorize_timeout),
                 [handler = std::move(handler)](const std::exception_ptr& e,
                                                const exchange_result& r) mutable {
                   // An exception (out of memory) may come after sending: unknown.
                   std::move(handler)(e ? network_outcome::unknown("the HTTP client failed")
                                        : authorize_outcome(r));
                 });
}

void http_card_network::async_lookup(const std::string& reference, lookup_handler handler) {
  if (!valid_idempotency_key(reference)) {
    return std::move(handler)(make_error_code(errc::invalid_argument), lookup_result{});
  }
  asio::co_spawn(io_,
                 single_exchange(options_.gateway,
                                 make_request(bhttp::verb::get, authorization_path(reference)),
                                 options_.lookup_timeout),
                 [handler = std::move(handler)](const std::exception_ptr& e,
                                                const exchange_result& r) mutable {
                   auto found = e ? result<lookup_result>(make_error_code(errc::card_network_error))
                                  : lookup_outcome(r);
                   if (found) return std::move(handler)(error_code{}, std::move(found).value());
                   std::move(handler)(found.error(), lookup_result{});
                 });
}

void http_card_network::async_void(const std::string& reference, void_handler handler) {
  if (!valid_idempotency_key(reference)) {
    return std::move(handler)(make_error_code(errc::invalid_argument));
  }
  asio::co_spawn(
      io_,
      single_exchange(options_.gateway, make_request(bhttp::verb::post, void_path(reference)),
                      options_.lookup_timeout),
      [handler = std::move(handler)](const std::exception_ptr& e,
                                     const exchange_result& r) mutable {
        const result<void> done =
            e ? result<void>(make_error_code(errc::card_network_error)) : void_outcome(r);
        std::move(handler)(done ? error_code{} : done.error());
      });
}

}  // namespace payintent::gateway
