#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <poll.h>

#include <cctype>

namespace payintent::test {

namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string http_reply::header(const std::string& name) const {
  auto found = headers.find(name);
  return found == headers.end() ? std::string() : found->second;
}

boost::json::value http_reply::json() const {
  return boost::json::parse(body);
}

std::string http_reply::text(std::string_view member) const {
  const auto parsed = json();
  const auto* value = parsed.is_object() ? parsed.as_object().if_contains(member) : nullptr;
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::string http_reply::error_field(std::string_view field) const {
  const auto parsed = json();
  const auto* error = parsed.as_object().if_contains("error");
  if (!error) return {};
  const auto* value = error->as_object().if_contains(field);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

namespace {

http_reply to_reply(bhttp::response<bhttp::string_body>&& res) {
  http_reply reply;
  reply.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = std::move(res.body());
  return reply;
}

}  // namespace

std::vector<http_reply> parse_replies(std::string_view bytes) {
  std::vector<http_reply> replies;
  while (!bytes.empty()) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec || !parser.is_done()) break;
    replies.push_back(to_reply(parser.release()));
    bytes.remove_prefix(used);
  }
  return replies;
}

std::string bearer(std::string_view api_key) {
  return "Bearer " + std::string(api_key);
}

http_client::http_client(std::uint16_t port) : socket_(io_) {
  socket_.connect(tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), port));
  socket_.set_option(tcp::no_delay(true));
}

http_reply http_client::request(std::string_view method, std::string_view target, std::string body,
                                const std::map<std::string, std::string>& headers) {
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  bhttp::write(socket_, req);

  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(socket_, buffer, res);
  return to_reply(std::move(res));
}

http_reply http_client::post(std::string_view target, std::string form, std::string_view api_key,
                             std::string_view idempotency_key) {
  std::map<std::string, std::string> headers{{"Authorization", bearer(api_key)},
                                             {"Content-Type", "application/x-www-form-urlencoded"}};
  if (!idempotency_key.empty()) headers["Idempotency-Key"] = std::string(idempotency_key);
  return request("POST", target, std::move(form), headers);
}

http_reply http_client::get(std::string_view target, std::string_view api_key) {
  return request("GET", target, {}, {{"Authorization", bearer(api_key)}});
}

void http_client::send_raw(std::string_view bytes) {
  boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()));
}

std::string http_client::read_until_closed(std::chrono::milliseconds limit) {
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return received;
    pollfd p{socket_.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return received;
    char chunk[4096];
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
    if (ec) {
      closed_ = true;
      return received;
    }
    received.append(chunk, n);
  }
}

bool http_client::wait_closed(std::chrono::milliseconds limit) {
  closed_ = false;
  read_until_closed(limit);
  return closed_;
}

}  // namespace payintent::test
