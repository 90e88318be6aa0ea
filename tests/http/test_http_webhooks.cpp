// Webhook delivery from the HTTP server (webhooks.hpp) to a receiver on
// loopback: every event arrives at least once, signed, in order per intent,
// through 500s, a SIGKILL of the server mid-delivery and the receiver being
// down for a while.
#include "http/server_process.hpp"
#include "http_server/webhook_signature.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace payintent::test;
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr const char* secret = "whsec_test";

struct delivery {
  std::string id;
  std::string intent;
  std::int64_t sequence = 0;
};

// What every receiver instance saw, across restarts.
struct webhook_log {
  std::mutex mutex;
  std::vector<delivery> accepted;  // answered 2xx, in arrival order
  int posts = 0;
  int bad_signatures = 0;
};

// Answers POSTs with `status` on 127.0.0.1:`port` until destroyed.
class receiver {
 public:
  receiver(webhook_log& log, std::uint16_t port)
      : log_(log), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), port}, true) {
    asio::co_spawn(io_, accept_loop(), [](const std::exception_ptr&) {});
    thread_ = std::thread([this] { io_.run(); });
  }
  ~receiver() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<int> status{200};
  std::atomic<int> delay_ms{0};  // before answering

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
      asio::co_spawn(io_, serve(std::move(socket)), [](const std::exception_ptr&) {});
    }
  }

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    beast::flat_buffer buffer;
    beast::http::request<beast::http::string_body> req;
    co_await beast::http::async_read(socket, buffer, req, asio::use_awaitable);
    asio::steady_timer slow(io_, std::chrono::milliseconds(delay_ms.load()));
    co_await slow.async_wait(asio::use_awaitable);
    const int answer = status.load();
    {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      std::lock_guard lock(log_.mutex);
      ++log_.posts;
      if (!payintent::http::verify_stripe_signature(req["Stripe-Signature"], req.body(), secret,
                                                    now)) {
        ++log_.bad_signatures;
      }
      if (answer == 200) {
        const auto event = boost::json::parse(req.body());
        log_.accepted.push_back({std::string(event.at("id").as_string()),
                                 std::string(event.at("data").at("object").at("id").as_string()),
                                 event.at("payintent_sequence").to_number<std::int64_t>()});
      }
    }
    beast::http::response<beast::http::string_body> res(static_cast<beast::http::status>(answer),
                                                        11);
    res.set(beast::http::field::connection, "close");
    res.prepare_payload();
    co_await beast::http::async_write(socket, res, asio::use_awaitable);
  }

  webhook_log& log_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

// Polls `done` every 20 ms for up to `limit`.
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Every event of the tenant, as GET /v1/events pages through them.
std::vector<delivery> listed_events(http_client& client) {
  std::vector<delivery> out;
  std::string after;
  for (;;) {
    auto page = client.get(
        "/v1/events?limit=100" + (after.empty() ? "" : "&starting_after=" + after), acme_key);
    REQUIRE(page.status == 200);
    const auto list = page.json();
    for (const auto& e : list.at("data").as_array()) {
      out.push_back({std::string(e.at("id").as_string()),
                     std::string(e.at("data").at("object").at("id").as_string()),
                     e.at("payintent_sequence").to_number<std::int64_t>()});
    }
    if (!list.at("has_more").as_bool()) return out;
    after = out.back().id;
  }
}

void charge(http_client& client, const char* key, int n) {
  const char* pm = n % 3 == 0 ? "pm_card_chargeDeclined" : "pm_card_visa";
  const auto r =
      client.post("/v1/payment_intents",
                  std::string("amount=1500&currency=eur&confirm=true&payment_method=") + pm, key,
                  "wh-" + std::to_string(n) + key);
  REQUIRE((r.status == 200 || r.status == 402));
}

}  // namespace

TEST_CASE(
    "webhooks arrive at least once, signed, in order per intent, through 500s, a crash "
    "and an outage") {
  char dir_template[] = "/tmp/payintent_webhooks_XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  webhook_log log;
  auto rx = std::make_unique<receiver>(log, 0);
  const std::uint16_t port = rx->port();
  rx->status = 500;
  server_config config;
  config.store = "sqlite:" + dir + "/store.db";
  config.extra = {"--webhook", "acme=http://127.0.0.1:" + std::to_string(port) + "/hooks," + secret,
                  "--webhook-retry-ms", "20-200"};
  auto server = std::make_unique<server_process>(config);
  {
    http_client client(server->port());
    for (int n = 0; n < 6; ++n) charge(client, acme_key, n);
    charge(client, other_key, 100);  // another tenant's: not for this endpoint
  }
  // The receiver answers 500: tried again and again, nothing acknowledged.
  CHECK(wait_for(
      [&] {
        std::lock_guard l(log.mutex);
        return log.posts >= 4;
      },
      std::chrono::seconds(3)));
  rx->delay_ms = 50;  // slow enough that the kill lands mid-delivery
  rx->status = 200;
  CHECK(wait_for(
      [&] {
        std::lock_guard l(log.mutex);
        return log.accepted.size() >= 4;
      },
      std::chrono::seconds(3)));
  server->kill_hard();  // mid-delivery: some acknowledged, some not
  {
    std::lock_guard l(log.mutex);
    CHECK(log.accepted.size() < 12);  // of the first 6 intents' 12 events
  }
  rx.reset();  // and the receiver goes down
  server = std::make_unique<server_process>(config);
  http_client client(server->port());
  for (int n = 6; n < 10; ++n) charge(client, acme_key, n);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // refused, tried again
  rx = std::make_unique<receiver>(log, port);

  const auto expected = listed_events(client);
  CHECK(expected.size() == 20);  // 10 intents, processing and an outcome each
  std::set<std::string> expected_ids;
  for (const auto& e : expected) expected_ids.insert(e.id);
  auto all_arrived = [&] {
    std::lock_guard l(log.mutex);
    std::set<std::string> got;
    for (const auto& d : log.accepted) got.insert(d.id);
    return std::includes(got.begin(), got.end(), expected_ids.begin(), expected_ids.end());
  };
  CHECK(wait_for(all_arrived, std::chrono::seconds(8)));
  const auto metrics = client.get("/metrics", "").body;
  server->stop();
  rx.reset();

  std::lock_guard l(log.mutex);
  CHECK(log.bad_signatures == 0);
  std::map<std::string, int> times;
  std::map<std::string, std::int64_t> last_of_intent;
  int out_of_order = 0;
  for (const auto& d : log.accepted) {
    CHECK(expected_ids.contains(d.id));  // nothing of the other tenant
    if (++times[d.id] > 1) continue;     // a redelivery: its first arrival counts
    auto& last = last_of_intent[d.intent];
    if (d.sequence < last) ++out_of_order;
    last = d.sequence;
  }
  CHECK(out_of_order == 0);
  int redelivered = 0;
  for (const auto& [id, n] : times) redelivered += n > 1 ? 1 : 0;
  INFO("posts: " << log.posts << ", accepted: " << log.accepted.size());
  CHECK(redelivered <= 1);  // only the one in flight at the SIGKILL
  CHECK(metrics.find("payintent_webhook_attempts_total{outcome=\"failed\"} 0\n") ==
        std::string::npos);  // the restarted server met the outage
  CHECK(metrics.find("payintent_webhook_attempts_total{outcome=\"delivered\"}") !=
        std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}
