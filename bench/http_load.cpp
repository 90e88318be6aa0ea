// http_load — drives examples/http_server over loopback at a fixed request
// rate (open loop) and prints one JSON line (docs/benchmarks.md).
//
//   http_load --port P --api-key KEY --rate R --seconds S
//             [--duplicates F] [--max-connections N] [--latencies FILE]
//
// Every request is POST /v1/payment_intents with confirm=true: a charge. A
// fraction F (default 0.1) are retries of a key sent in the last two seconds,
// with the same body, so some race their original and some replay it.
// Requests leave on schedule whether or not earlier ones have answered (open
// loop); a latency counts from the scheduled send time, so a slow server cannot
// hide queueing by slowing the client down. Each connection carries one request
// at a time (HTTP/1.1 keep-alive); more are opened as needed, up to N.
//
// Checks, all in the JSON: authorizations (from GET /metrics, before and
// after) equal distinct keys; every key was answered by one intent id; every
// key has exactly one original answer (the rest carry Idempotent-Replayed).
// Exits 0 when all hold and no request failed, 1 otherwise, 2 on bad args.
#include "http_load_setup.hpp"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using payintent::bench::authorizations_now;
using payintent::bench::load_args;
using payintent::bench::parse_load_args;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

// A run id in letters: keys of digits only could look like a card number
// (13-19 digits passing Luhn), which payintent rightly rejects.
std::string letters(std::int64_t n) {
  std::string out;
  for (auto u = static_cast<std::uint64_t>(n); u > 0; u /= 26)
    out.push_back(static_cast<char>('a' + u % 26));
  return out;
}

struct sent {
  int key_index = 0;
  bool duplicate = false;
  clock_type::time_point scheduled;
  bool resent = false;  // already sent again after a stale keep-alive connection
};

struct key_answers {
  std::set<std::string> ids;
  int originals = 0;  // 200s without Idempotent-Replayed
};

struct connection {
  explicit connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  int served = 0;  // responses read on this connection
  clock_type::time_point idle_since;
  bhttp::request<bhttp::string_body> req;
  bhttp::response<bhttp::string_body> res;
};

class load {
 public:
  load(asio::io_context& io, load_args args) : io_(io), args_(std::move(args)), timer_(io) {}

  void start() {
    start_ = clock_type::now();
    total_ = static_cast<std::int64_t>(args_.rate) * args_.seconds;
    tick();
  }

  // The run's JSON line; `authorizations` is what the server's network did
  // during the run. Sets `ok` to whether every check held.
  boost::json::object report(double authorizations, bool& ok);
  void write_latencies(const std::string& path) const;

 private:
  std::string form(int key_index) const {
    return fmt::format("amount={}&currency=eur&confirm=true&payment_method=pm_card_visa",
                       100 + key_index % 900);
  }

  // Sends every request whose time has come, then sleeps until the next.
  void tick() {
    const auto now = clock_type::now();
    while (next_ < total_) {
      const auto due = start_ + std::chrono::nanoseconds(next_ * 1'000'000'000LL / args_.rate);
      if (due > now) break;
      ++next_;
      sent s{0, false, due};
      if (keys_ > 0 && pick_(rng_) < args_.duplicates) {
        // A retry of a key sent in the last two seconds.
        const int recent = std::min(keys_, args_.rate * 2);
        std::uniform_int_distribution<int> which(keys_ - recent, keys_ - 1);
        s.key_index = which(rng_);
        s.duplicate = true;
        ++duplicates_;
      } else {
        s.key_index = keys_++;
      }
      backlog_.push_back(s);
    }
    drain();
    if (next_ < total_) {
      timer_.expires_at(start_ + std::chrono::nanoseconds(next_ * 1'000'000'000LL / args_.rate));
      timer_.async_wait([this](beast::error_code) { tick(); });
    } else {
      sent_all_ = clock_type::now();
    }
  }

  // Starts as many backlogged requests as connections allow.
  void drain() {
    // Like an HTTP client's pool, drop connections idle for longer than the
    // server keeps them (its read timeout, 10 s by default) before reusing.
    const auto stale = clock_type::now() - std::chrono::seconds(5);
    while (!idle_.empty() && idle_.front()->idle_since < stale) {
      beast::error_code ignored;
      idle_.front()->stream.socket().close(ignored);
      idle_.pop_front();
      --open_;
    }
    while (!backlog_.empty()) {
      std::shared_ptr<connection> c;
      if (!idle_.empty()) {
        c = idle_.back();
        idle_.pop_back();
      } else if (open_ < args_.max_connections) {
        c = std::make_shared<connection>(io_);
        ++open_;
        beast::error_code ec;
        c->stream.socket().connect(
            tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), args_.port), ec);
        if (ec) {
          --open_;
          ++failures_["connect"];
          backlog_.pop_front();
          ++done_;
          continue;
        }
        c->stream.socket().set_option(tcp::no_delay(true));
      } else {
        return;  // every connection is busy: the request waits, and its latency shows it
      }
      send(c, backlog_.front());
      backlog_.pop_front();
    }
  }

  void send(const std::shared_ptr<connection>& c, sent s) {
    c->req = {bhttp::verb::post, "/v1/payment_intents", 11};
    c->req.set(bhttp::field::host, "127.0.0.1");
    c->req.set(bhttp::field::authorization, "Bearer " + args_.api_key);
    c->req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
    c->req.set("Idempotency-Key", fmt::format("load-{}-{}", run_id_, s.key_index));
    c->req.body() = form(s.key_index);
    c->req.prepare_payload();
    c->res = {};
    bhttp::async_write(c->stream, c->req, [this, c, s](beast::error_code ec, std::size_t) {
      if (ec) return failed(c, s, "write: " + ec.message());
      bhttp::async_read(c->stream, c->buffer, c->res,
                        [this, c, s](beast::error_code rec, std::size_t) {
                          if (rec) return failed(c, s, "read: " + rec.message());
                          answered(c, s);
                        });
    });
  }

  // A kept-alive connection the server closed while it sat idle (its read
  // timeout) fails the next request sent on it. Like any HTTP client, send
  // that request again on a new connection, once: the Idempotency-Key makes
  // it safe even if the server had received it.
  void failed(const std::shared_ptr<connection>& c, sent s, const std::string& what) {
    --open_;
    beast::error_code ignored;
    c->stream.socket().close(ignored);
    if (c->served > 0 && !s.resent) {
      ++resent_;
      s.resent = true;
      backlog_.push_front(s);
    } else {
      ++failures_[what];
      ++done_;
    }
    drain();
  }

  void answered(const std::shared_ptr<connection>& c, const sent& s) {
    const auto latency = clock_type::now() - s.scheduled;
    const double latency_ms = std::chrono::duration<double, std::milli>(latency).count();
    latencies_ms_.push_back(latency_ms);
    const auto second = static_cast<std::size_t>(std::max<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(s.scheduled - start_).count(), 0));
    if (max_ms_by_second_.size() <= second) max_ms_by_second_.resize(second + 1, 0.0);
    max_ms_by_second_[second] = std::max(max_ms_by_second_[second], latency_ms);
    ++c->served;
    const int status = c->res.result_int();
    ++by_status_[status];
    ++done_;
    if (status == 200) {
      boost::system::error_code ec;
      const auto body = boost::json::parse(c->res.body(), ec);
      auto& answers = answers_[s.key_index];
      if (!ec && body.is_object() && body.as_object().contains("id")) {
        answers.ids.insert(std::string(body.at("id").as_string()));
        const auto status_name = std::string(body.at("status").as_string());
        ++intent_statuses_[status_name];
      }
      if (c->res.find("Idempotent-Replayed") == c->res.end()) ++answers.originals;
      if (s.duplicate) ++duplicates_answered_;
    }
    if (c->res.keep_alive()) {
      c->idle_since = clock_type::now();
      idle_.push_back(c);
    } else {
      --open_;
    }
    drain();
    if (done_ == total_) finished_ = clock_type::now();
  }

 public:
  bool complete() const { return done_ == total_; }
  int distinct_keys() const { return keys_; }

 private:
  asio::io_context& io_;
  load_args args_;
  asio::steady_timer timer_;
  std::mt19937_64 rng_{20261127};
  std::uniform_real_distribution<double> pick_{0.0, 1.0};
  std::string run_id_ = letters(std::chrono::system_clock::now().time_since_epoch().count());
  clock_type::time_point start_, sent_all_, finished_;
  std::int64_t total_ = 0, next_ = 0, done_ = 0;
  int keys_ = 0, duplicates_ = 0, duplicates_answered_ = 0, resent_ = 0;
  std::size_t open_ = 0;
  std::deque<sent> backlog_;
  std::deque<std::shared_ptr<connection>> idle_;  // most recently used at the back
  std::vector<double> latencies_ms_;
  std::vector<double> max_ms_by_second_;  // by the second a request was scheduled in
  std::map<int, int> by_status_;
  std::map<std::string, int> failures_;
  std::map<std::string, int> intent_statuses_;
  std::map<int, key_answers> answers_;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

boost::json::object load::report(double authorizations, bool& ok) {
  std::sort(latencies_ms_.begin(), latencies_ms_.end());
  int keys_with_two_ids = 0, keys_without_one_original = 0;
  for (const auto& [key, a] : answers_) {
    if (a.ids.size() > 1) ++keys_with_two_ids;
    if (a.originals != 1) ++keys_without_one_original;
  }
  int errors = 0;
  boost::json::object statuses;
  for (const auto& [status, n] : by_status_) {
    statuses[std::to_string(status)] = n;
    if (status != 200) errors += n;
  }
  for (const auto& [what, n] : failures_) errors += n;
  boost::json::object failures, intents;
  for (const auto& [what, n] : failures_) failures[what] = n;
  for (const auto& [name, n] : intent_statuses_) intents[name] = n;
  const double elapsed = std::chrono::duration<double>(finished_ - start_).count();

  boost::json::object o;
  o["target_rate"] = args_.rate;
  o["seconds"] = args_.seconds;
  o["requests"] = total_;
  o["answered"] = static_cast<std::int64_t>(latencies_ms_.size());
  o["throughput_rps"] = elapsed > 0 ? static_cast<double>(latencies_ms_.size()) / elapsed : 0.0;
  o["p50_ms"] = percentile(latencies_ms_, 0.50);
  o["p99_ms"] = percentile(latencies_ms_, 0.99);
  o["p999_ms"] = percentile(latencies_ms_, 0.999);
  boost::json::array by_second;
  for (double ms : max_ms_by_second_) by_second.push_back(std::round(ms * 10) / 10);
  o["max_ms_by_second"] = std::move(by_second);
  o["max_ms"] = latencies_ms_.empty() ? 0.0 : latencies_ms_.back();
  o["by_status"] = std::move(statuses);
  o["failures"] = std::move(failures);
  o["errors"] = errors;
  o["intent_statuses"] = std::move(intents);
  o["connections"] = static_cast<std::int64_t>(open_);
  o["resent_after_stale_connection"] = resent_;
  o["distinct_keys"] = keys_;
  o["duplicates"] = duplicates_;
  o["duplicates_answered"] = duplicates_answered_;
  o["keys_with_two_ids"] = keys_with_two_ids;
  o["keys_without_one_original"] = keys_without_one_original;
  o["authorizations"] = authorizations;
  o["authorizations_equal_distinct_keys"] = authorizations == keys_;
  ok = errors == 0 && keys_with_two_ids == 0 && keys_without_one_original == 0 &&
       authorizations == keys_ && duplicates_answered_ == duplicates_;
  o["ok"] = ok;
  return o;
}

void load::write_latencies(const std::string& path) const {
  std::ofstream out(path);
  for (double ms : latencies_ms_) out << ms << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = parse_load_args(argc, argv);
  if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const auto* args = &std::get<load_args>(parsed);
  const double before = authorizations_now(args->port);
  if (before < 0) {
    fmt::print(stderr, "http_load: no server answering GET /metrics on 127.0.0.1:{}\n", args->port);
    return 1;
  }
  asio::io_context io;
  load run(io, *args);
  run.start();
  // Bounded: the schedule plus 30 s for the last answers.
  io.run_for(std::chrono::seconds(args->seconds + 30));
  // Attempts answered at the wait budget finish in the background: wait (at
  // most 30 s) until the network has authorized one charge per key, then a
  // further second so that a surplus authorization would show up too.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (authorizations_now(args->port) - before < run.distinct_keys() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double after = authorizations_now(args->port);
  bool ok = false;
  auto json = run.report(after - before, ok);
  json["complete"] = run.complete();
  if (!args->latencies_path.empty()) run.write_latencies(args->latencies_path);
  fmt::print("{}\n", boost::json::serialize(json));
  return ok && run.complete() ? 0 : 1;
}
