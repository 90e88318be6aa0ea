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

std::variant<load_args, int> parse_load_args(int argc, char** argv) {
  using payintent::cli::parse_int;
  static constexpr std::string_view usage =
      "usage: http_load --port P --api-key KEY [--rate R] [--seconds S]\n"
      "                 [--duplicates PERCENT] [--max-connections N] [--latencies FILE]\n";
  load_args a;
  auto set = [](auto& field, auto parsed) {
    if (parsed) field = *parsed;
    return parsed.has_value();
  };
  const auto exit_code = payintent::cli::parse_flags(
      argc, argv, "http_load", usage, [&](std::string_view flag, std::string_view value) {
        if (flag == "--port") return set(a.port, parse_int<std::uint16_t>(value, 1, 65535));
        if (flag == "--rate") return set(a.rate, parse_int<int>(value, 1, 100'000));
        if (flag == "--seconds") return set(a.seconds, parse_int<int>(value, 1, 3600));
        if (flag == "--max-connections") {
          return set(a.max_connections, parse_int<std::size_t>(value, 1, 60'000));
        }
        if (flag == "--duplicates") {
          const auto percent = parse_int<int>(value, 0, 100);
          if (percent) a.duplicates = *percent / 100.0;
          return percent.has_value();
        }
        if (flag == "--api-key") a.api_key = value;
        if (flag == "--latencies") a.latencies_path = value;
        return flag == "--api-key" || flag == "--latencies";
      });
  if (exit_code) return *exit_code;
  if (a.port == 0 || a.api_key.empty()) {
    return payintent::cli::usage_error("http_load", "--port and --api-key are required", usage);
  }
  return a;
}

}  // namespace payintent::bench
