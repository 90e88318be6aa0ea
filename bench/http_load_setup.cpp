#include "http_load_setup.hpp"

#include "common/cli.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <string_view>

namespace payintent::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

double authorizations_now(std::uint16_t port) {
  try {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port));
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/metrics", 11);
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(socket, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket, buffer, res);
    const std::string& text = res.body();
    const std::string name = "\npayintent_authorizations_total ";
    const auto at = text.find(name);
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

std::optional<load_args> parse_load_args(int argc, char** argv) {
  using payintent::cli::parse_int;
  load_args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i], value = argv[i + 1];
    if (flag == "--port") {
      auto n = parse_int<std::uint16_t>(value, 1, 65535);
      if (!n) return std::nullopt;
      a.port = *n;
    } else if (flag == "--api-key") {
      a.api_key = value;
    } else if (flag == "--rate") {
      auto n = parse_int<int>(value, 1, 100'000);
      if (!n) return std::nullopt;
      a.rate = *n;
    } else if (flag == "--seconds") {
      auto n = parse_int<int>(value, 1, 3600);
      if (!n) return std::nullopt;
      a.seconds = *n;
    } else if (flag == "--duplicates") {
      auto n = parse_int<int>(value, 0, 100);  // percent
      if (!n) return std::nullopt;
      a.duplicates = *n / 100.0;
    } else if (flag == "--max-connections") {
      auto n = parse_int<std::size_t>(value, 1, 60'000);
      if (!n) return std::nullopt;
      a.max_connections = *n;
    } else if (flag == "--latencies") {
      a.latencies_path = value;
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0 || a.port == 0 || a.api_key.empty()) return std::nullopt;
  return a;
}

}  // namespace payintent::bench
