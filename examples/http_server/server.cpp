#include "http_server/server.hpp"

#include "http_server/header_rules.hpp"
#include "http_server/use_tuple.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace payintent::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// The response to a request that could not be read whole, or nullopt when
// the client just left or went quiet (nothing to answer).
std::optional<response> unreadable(const beast::error_code& ec, const server_limits& limits) {
  if (ec == bhttp::error::body_limit) {
    return error_response(
        api_error{413,
                  "invalid_request_error",
                  "body_too_large",
                  fmt::format("The request body is larger than {} bytes", limits.max_body_bytes),
                  {}});
  }
  if (ec == bhttp::error::header_limit) {
    return error_response(api_error{431,
                                    "invalid_request_error",
                                    "headers_too_large",
                                    "The request headers are too large",
                                    {}});
  }
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
    return std::nullopt;
  }
  if (ec.category() == beast::error_code(bhttp::error::bad_target).category()) {
    return error_response(
        api_error{400, "invalid_request_error", "malformed_request", "Malformed HTTP request", {}});
  }
  return std::nullopt;
}

asio::awaitable<void> serve(std::shared_ptr<connection> conn, connection_registry& live,
                            const router_context& ctx, server_limits limits) {
  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  if (!live.add(conn)) co_return;  // the server stopped before this connection started
  for (;;) {
    if (live.stopping()) break;  // no new request on a stopping server
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(limits.max_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    stream.expires_after(limits.read_timeout);
    auto [read_ec, read_n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    std::optional<response> refusal;
    if (!read_ec) {
      // The body is read only once the header frames it unambiguously.
      if (auto e = check_header_rules(parser.get())) {
        refusal = error_response(*e);
      } else {
        std::tie(read_ec, read_n) = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      }
    }
    if (read_ec || refusal) {
      if (auto answer = refusal ? std::move(refusal) : unreadable(read_ec, limits)) {
        answer->keep_alive(false);
        answer->prepare_payload();
        stream.expires_after(limits.write_timeout);
        co_await bhttp::async_write(stream, *answer, use_tuple);
      }
      break;
    }
    const auto started = std::chrono::steady_clock::now();
    conn->busy = true;
    stream.expires_never();  // the route bounds itself (wait budget)
    const request& req = parser.get();
    response res = co_await route(req, ctx);
    conn->busy = false;
    res.keep_alive(req.keep_alive() && !live.stopping());
    res.prepare_payload();
    const bool replayed = res.find("Idempotent-Replayed") != res.end();
    ctx.stats.record(res.result_int(), replayed, std::chrono::steady_clock::now() - started);
    stream.expires_after(limits.write_timeout);
    auto [write_ec, write_n] = co_await bhttp::async_write(stream, res, use_tuple);
    if (write_ec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::io_context& io,
                                  connection_registry& live, const router_context& ctx,
                                  server_limits limits) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. a client that reset before accept: keep serving the others
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   serve(std::make_shared<connection>(beast::tcp_stream(std::move(socket))), live,
                         ctx, limits),
                   asio::detached);
  }
}

}  // namespace

http_listener::http_listener(asio::io_context& io, const router_context& ctx, server_limits limits,
                             std::uint16_t port)
    : io_(io), accept_strand_(asio::make_strand(io)), ctx_(ctx), limits_(limits), acceptor_(io) {
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

std::uint16_t http_listener::port() const {
  return acceptor_.local_endpoint().port();
}

void http_listener::start() {
  asio::co_spawn(accept_strand_, accept_loop(acceptor_, io_, live_, ctx_, limits_), asio::detached);
}

void http_listener::stop() {
  // On the accept loop's strand: the loop touches the acceptor there.
  asio::post(accept_strand_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  live_.stop();
}

}  // namespace payintent::http
