// SIMULATOR — not part of what an integrator copies. A payment gateway on
// 127.0.0.1 (an ephemeral port) that speaks gateway_api.hpp over HTTP/1.1,
// one request per connection, with its books in gateway_ledger.hpp.
//
// It misbehaves on cue, as real networks do: inject() makes the next
// authorize request
//   drop_answer   charge, then close the connection without answering
//   answer_late   charge, then answer only after `late_by`
//   lose_request  neither charge nor answer; close after `late_by`
// and stop_listening() takes it off the network (connections refused).
// Thread-safe; it runs on its own thread.
#pragma once

#include "http_card_network/gateway_ledger.hpp"
#include "http_card_network/http_exchange.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace payintent::gateway {

enum class fault { none, drop_answer, answer_late, lose_request };

struct simulator_options {
  // Before every answer. Default: 0.
  std::chrono::milliseconds latency{0};
  // How long answer_late and lose_request hold the connection. Default: 1 s.
  std::chrono::milliseconds late_by = std::chrono::seconds(1);
  // Told one line per authorize, lookup and void, from the simulator's
  // thread. Default: none.
  std::function<void(const std::string&)> log;
};

class gateway_simulator {
 public:
  // Listens on 127.0.0.1, any free port; throws boost::system::system_error
  // when it cannot.
  explicit gateway_simulator(simulator_options options);
  // Closes every connection, answered or not.
  ~gateway_simulator();
  gateway_simulator(const gateway_simulator&) = delete;
  gateway_simulator& operator=(const gateway_simulator&) = delete;

  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
  // The next authorize request that arrives meets `f` (queued in order).
  void inject(fault f);
  // From its return on, connections are refused.
  void stop_listening();
  const gateway_ledger& ledger() const { return ledger_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> pause(std::chrono::milliseconds d);
  fault next_fault();
  gateway_answer route(const http_request& req);
  void log(const std::string& line) const;

  simulator_options options_;
  gateway_ledger ledger_;
  std::mutex mutex_;  // guards faults_
  std::deque<fault> faults_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::thread thread_;
};

}  // namespace payintent::gateway
