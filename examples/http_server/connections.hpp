// http_server — the connections a listener serves, so that a graceful stop
// can end the idle ones at once and let the busy ones finish their request.
//
// Each connection runs on its own strand; `busy` and the stream are touched
// only there. stop() marks the registry stopping, then posts to every
// connection's strand a check that cancels its read if it is idle. A busy
// connection sees stopping() before it writes its response, answers it with
// "Connection: close", and ends. Thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace payintent::http {

struct connection {
  explicit connection(boost::beast::tcp_stream s) : stream(std::move(s)) {}
  boost::beast::tcp_stream stream;
  bool busy = false;  // between a request read and its response written
};

class connection_registry {
 public:
  // Registers `c` until it is destroyed; false when stopping (close it).
  bool add(const std::shared_ptr<connection>& c);
  // From then on, add() refuses and idle connections are cancelled.
  void stop();
  bool stopping() const noexcept { return stopping_.load(); }

 private:
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::weak_ptr<connection>> live_;
};

}  // namespace payintent::http
