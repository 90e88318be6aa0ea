#include "http_card_network/http_exchange.hpp"

#include "http_server/use_tuple.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace payintent::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
using http::use_tuple;

asio::awaitable<exchange_result> exchange(asio::ip::tcp::endpoint to, http_request req,
                                          std::chrono::steady_clock::time_point deadline) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  // One deadline for connect, write and read together: a tcp_stream's expiry
  // holds for every operation started until it is set again.
  stream.expires_at(deadline);
  auto [connect_ec] = co_await stream.async_connect(to, use_tuple);
  if (connect_ec) {
    co_return exchange_result{
        exchange_stage::never_connected, {}, "connect: " + connect_ec.message()};
  }
  req.keep_alive(false);
  req.prepare_payload();
  auto [write_ec, written] = co_await beast::http::async_write(stream, req, use_tuple);
  if (write_ec) {
    co_return exchange_result{exchange_stage::no_answer, {}, "send: " + write_ec.message()};
  }
  beast::flat_buffer buffer;
  http_response answer;
  auto [read_ec, read] = co_await beast::http::async_read(stream, buffer, answer, use_tuple);
  if (read_ec) {
    co_return exchange_result{exchange_stage::no_answer, {}, "answer: " + read_ec.message()};
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return exchange_result{exchange_stage::answered, std::move(answer), {}};
}

}  // namespace payintent::gateway
