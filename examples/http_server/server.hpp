// http_server — the HTTP/1.1 listener: keep-alive connections, limits, timeouts.
//
// Accepts on 127.0.0.1 only. Each connection is one coroutine on its own
// strand that reads a request, routes it (router.hpp), writes the response,
// and loops while the client keeps the connection alive. The routes never
// block: library calls (payment_service's async_ forms) complete on the connection's
// strand.
//
// Limits protect the server from slow, idle or greedy clients: a request
// (headers and body) must arrive within `read_timeout` of the previous
// response, or the connection is closed (this also ends idle keep-alive
// connections); a body above `max_body_bytes` is a 413 and the connection
// closes; headers above `max_header_bytes` a 431. A header that frames its
// body ambiguously or repeats a deciding header (header_rules.hpp) is a 400
// before any body is read, and the connection closes.
#pragma once

#include "http_server/connections.hpp"
#include "http_server/router.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace payintent::http {

struct server_limits {
  // Default: 10 s.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(10);
  // Default: 10 s.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(10);
  // Default: 16 KiB, far above any Stripe-subset request.
  std::size_t max_body_bytes = 16 * 1024;
  // Default: 8 KiB.
  std::size_t max_header_bytes = 8 * 1024;
};

class http_listener {
 public:
  // Binds 127.0.0.1:`port` (0: any free port) and listens; throws
  // boost::system::system_error when it cannot. Borrowed references outlive
  // the listener.
  http_listener(boost::asio::io_context& io, const router_context& ctx, server_limits limits,
                std::uint16_t port);

  std::uint16_t port() const;

  // Starts accepting on `io`; connections run until their client leaves,
  // a timeout, or stop().
  void start();
  // The graceful stop: closes the acceptor, ends idle connections, and lets
  // each busy one answer its request (with "Connection: close") and end.
  // Once every connection has ended, io.run() runs out of work and returns.
  // Thread-safe; call it once.
  void stop();

 private:
  boost::asio::io_context& io_;
  boost::asio::strand<boost::asio::io_context::executor_type> accept_strand_;
  const router_context& ctx_;
  server_limits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  connection_registry live_;
};

}  // namespace payintent::http
