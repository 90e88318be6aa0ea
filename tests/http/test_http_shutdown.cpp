// A rolling restart under load: SIGTERM while 200 charges are in flight, on
// an SQLite file. Every round the server must drain and exit 0 (never crash),
// and a server restarted on the same file must answer every key from what
// the first one recorded: a replay, succeeded, no attempt left unresolved,
// and across both servers exactly one authorization per key.
//
// Rounds: PAYINTENT_SHUTDOWN_ROUNDS (default 50). scripts/sanitize runs it
// under ASan and TSan for 10 (CMakePresets.json): a sanitizer finds a leak
// or a race in any round, and at 50 this test alone was the last 100 s of
// each sanitizer run.
#include "http/server_process.hpp"
#include "support/honest_values.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace payintent::test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr int in_flight = 200;
constexpr const char* charge_form =
    "amount=2000&currency=eur&confirm=true&payment_method=pm_card_visa";

int rounds() {
  const char* r = std::getenv("PAYINTENT_SHUTDOWN_ROUNDS");
  return r ? std::max(1, std::atoi(r)) : 50;
}

std::string post_request(const std::string& key) {
  return fmt::format(
      "POST /v1/payment_intents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n"
      "Idempotency-Key: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: {}\r\n\r\n{}",
      acme_key, key, std::string_view(charge_form).size(), charge_form);
}

// Everything the server sends until it closes, or what came within 20 s.
std::string read_all(tcp::socket& s) {
  timeval tv{20, 0};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[4096];
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = s.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) return got;
  }
}

// "stopped (N authorizations)" from the server's output.
std::optional<int> authorizations_at_stop(const std::string& output) {
  static const std::regex stopped(R"(stopped \((\d+) authorizations\))");
  std::smatch m;
  if (!std::regex_search(output, m, stopped)) return std::nullopt;
  return std::stoi(m[1].str());
}

std::string intent_id_in(const std::string& response) {
  static const std::regex id(R"re("id":"(pi_[A-Za-z0-9]+)")re");
  std::smatch m;
  return std::regex_search(response, m, id) ? m[1].str() : std::string();
}

server_config on_file(const std::string& path, std::string latency, std::string budget) {
  server_config c;
  c.store = "sqlite:" + path;
  c.network_latency_ms = std::move(latency);
  c.wait_budget_ms = std::move(budget);
  return c;
}

}  // namespace

TEST_CASE("SIGTERM with 200 charges in flight: exit 0, and a restart replays every key") {
  std::mt19937 rng(std::random_device{}());
  std::mt19937_64 key_rng(rng());
  const auto generators = honest_generators();
  const auto stripe_node_key =
      *std::find_if(generators.begin(), generators.end(),
                    [](const auto& g) { return g.name == "uuid_v4_stripe_node"; });
  const int total_rounds = rounds();
  int answered_total = 0;
  for (int round = 0; round < total_rounds; ++round) {
    CAPTURE(round);
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("payintent_shutdown_{}_{}", getpid(), round);
    std::filesystem::create_directories(dir);
    const std::string file = (dir / "pay.db").string();
    std::vector<std::string> keys;
    // As stripe-node sends them: "stripe-node-retry-<UUID v4>".
    for (int i = 0; i < in_flight; ++i) keys.push_back(stripe_node_key.make(key_rng));

    // Server 1: the network answers in 50-200 ms, callers wait 150 ms.
    std::vector<std::string> first_answers(in_flight);
    std::optional<int> first_auths;
    {
      server_process server(on_file(file, "50-200", "150"));
      asio::io_context io;
      std::vector<std::unique_ptr<tcp::socket>> sockets;
      const tcp::endpoint at(asio::ip::make_address_v4("127.0.0.1"), server.port());
      for (int i = 0; i < in_flight; ++i) {
        auto s = std::make_unique<tcp::socket>(io);
        s->connect(at);
        asio::write(*s, asio::buffer(post_request(keys[static_cast<std::size_t>(i)])));
        sockets.push_back(std::move(s));
      }
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 300)(rng)));
      const int status = server.stop();
      const std::string out = server.output();
      INFO(out);
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
      first_auths = authorizations_at_stop(out);
      REQUIRE(first_auths);
      for (int i = 0; i < in_flight; ++i) {
        first_answers[static_cast<std::size_t>(i)] =
            read_all(*sockets[static_cast<std::size_t>(i)]);
      }
    }

    // Server 2 on the same file: every key answered from the record.
    int replays = 0;
    {
      server_process server(on_file(file, "0-0", "2000"));
      http_client client(server.port());
      for (int i = 0; i < in_flight; ++i) {
        const auto& key = keys[static_cast<std::size_t>(i)];
        CAPTURE(key);
        auto r = client.post("/v1/payment_intents", charge_form, acme_key, key);
        REQUIRE(r.status == 200);
        CHECK(r.text("status") == "succeeded");  // never processing: nothing left unresolved
        const std::string& before = first_answers[static_cast<std::size_t>(i)];
        if (before.starts_with("HTTP/1.1 200")) {
          // Answered by server 1: the same intent, replayed.
          ++answered_total;
          CHECK(r.header("idempotent-replayed") == "true");
          CHECK(r.text("id") == intent_id_in(before));
        } else {
          CHECK(before.empty());  // never answered: closed unanswered, no half response
        }
        if (r.header("idempotent-replayed") == "true") ++replays;
      }
      const int status = server.stop();
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
      const auto second_auths = authorizations_at_stop(server.output());
      REQUIRE(second_auths);
      // Exactly once across the restart: server 2 authorized only the keys
      // server 1 never claimed, and server 1 recorded every one it sent.
      CHECK(*first_auths + *second_auths == in_flight);
      CHECK(*second_auths == in_flight - replays);
    }
    std::filesystem::remove_all(dir);
  }
  MESSAGE(fmt::format("{} rounds, {} of {} requests answered before exit", total_rounds,
                      answered_total, total_rounds * in_flight));
}
