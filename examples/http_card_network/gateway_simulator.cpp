#include "http_card_network/gateway_simulator.hpp"

#include "http_card_network/gateway_api.hpp"
#include "http_server/use_tuple.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <future>

namespace payintent::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using http::use_tuple;

bool is_authorize(const http_request& req) {
  return req.method() == bhttp::verb::post && req.target() == authorizations_path;
}

gateway_answer bad_request(std::string_view why) {
  return {400, {{"error", why}}};
}

// The body of POST /authorizations, or nullopt when malformed.
std::optional<charge_request> parse_charge(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  const auto* o = ec ? nullptr : v.if_object();
  if (o == nullptr) return std::nullopt;
  const auto* amount = o->if_contains("amount");
  const auto* currency = o->if_contains("currency");
  const auto* method = o->if_contains("payment_method");
  if (amount == nullptr || !amount->is_int64() || amount->get_int64() <= 0 || currency == nullptr ||
      !currency->is_string() || method == nullptr || !method->is_string()) {
    return std::nullopt;
  }
  return charge_request{amount->get_int64(), std::string(currency->get_string()),
                        std::string(method->get_string())};
}

const char* fault_note(fault f) {
  if (f == fault::drop_answer) return " -- answer dropped";
  return f == fault::answer_late ? " -- answer held back" : "";
}

}  // namespace

gateway_simulator::gateway_simulator(simulator_options options)
    : options_(std::move(options)), acceptor_(io_) {
  const asio::ip::tcp::endpoint any_port(asio::ip::make_address_v4("127.0.0.1"), 0);
  acceptor_.open(any_port.protocol());
  acceptor_.bind(any_port);
  acceptor_.listen();
  endpoint_ = acceptor_.local_endpoint();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

gateway_simulator::~gateway_simulator() {
  io_.stop();
  thread_.join();
}

void gateway_simulator::inject(fault f) {
  std::lock_guard lock(mutex_);
  faults_.push_back(f);
}

fault gateway_simulator::next_fault() {
  std::lock_guard lock(mutex_);
  if (faults_.empty()) return fault::none;
  const fault f = faults_.front();
  faults_.pop_front();
  return f;
}

void gateway_simulator::stop_listening() {
  std::promise<void> closed;
  asio::post(io_, [&] {  // the acceptor belongs to the simulator's thread
    beast::error_code ignored;
    acceptor_.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
}

void gateway_simulator::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

asio::awaitable<void> gateway_simulator::pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_tuple);
}

asio::awaitable<void> gateway_simulator::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (!acceptor_.is_open()) co_return;
    if (!ec) asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> gateway_simulator::serve(asio::ip::tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http_request req;
  stream.expires_after(std::chrono::seconds(5));
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, req, use_tuple);
  if (read_ec) co_return;
  const fault f = is_authorize(req) ? next_fault() : fault::none;
  co_await pause(options_.latency);
  if (f == fault::lose_request) {
    log(fmt::format("authorize {}: request lost on the way, nothing charged",
                    std::string_view(req["Idempotency-Key"])));
    co_await pause(options_.late_by);
    co_return;  // closes the connection
  }
  const gateway_answer answer = route(req);
  if (is_authorize(req)) {
    log(fmt::format("authorize {}: {}{}", std::string_view(req["Idempotency-Key"]),
                    boost::json::serialize(answer.body), fault_note(f)));
  }
  if (f == fault::drop_answer) co_return;  // charged; closes the connection unanswered
  if (f == fault::answer_late) co_await pause(options_.late_by);
  http_response res{static_cast<bhttp::status>(answer.http_status), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(answer.body);
  res.keep_alive(false);
  res.prepare_payload();
  stream.expires_after(std::chrono::seconds(5));
  co_await bhttp::async_write(stream, res, use_tuple);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

gateway_answer gateway_simulator::route(const http_request& req) {
  const std::string_view target = req.target();
  if (is_authorize(req)) {
    const std::string key(req["Idempotency-Key"]);
    if (!valid_idempotency_key(key)) return bad_request("Idempotency-Key: missing or malformed");
    const auto charge = parse_charge(req.body());
    if (!charge) return bad_request("expected {amount > 0, currency, payment_method}");
    return ledger_.authorize(key, *charge);
  }
  const std::string prefix = std::string(authorizations_path) + "/";
  if (!target.starts_with(prefix)) return {404, {{"error", "no such route"}}};
  std::string_view key = target.substr(prefix.size());
  const bool is_void = key.ends_with(void_suffix);
  if (is_void) key.remove_suffix(void_suffix.size());
  if (!valid_idempotency_key(key)) return {404, {{"error", "no such route"}}};
  if (is_void && req.method() == bhttp::verb::post) {
    log(fmt::format("void {}", key));
    return ledger_.void_key(std::string(key));
  }
  if (!is_void && req.method() == bhttp::verb::get) {
    gateway_answer found = ledger_.lookup(std::string(key));
    log(fmt::format("lookup {}: {}", key,
                    found.http_status == 404 ? "not found" : boost::json::serialize(found.body)));
    return found;
  }
  return {405, {{"error", "method not allowed"}}};
}

}  // namespace payintent::gateway
