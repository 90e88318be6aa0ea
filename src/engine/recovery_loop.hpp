// Runs a recovery pass periodically on an Asio executor until stopped.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace payintent::detail {

class recovery_loop {
 public:
  recovery_loop() = default;
  ~recovery_loop() { stop(); }
  recovery_loop(const recovery_loop&) = delete;
  recovery_loop& operator=(const recovery_loop&) = delete;

  // Runs `pass` every `interval` on a strand of `executor`; replaces a
  // running loop.
  void start(boost::asio::any_io_executor executor, std::chrono::milliseconds interval,
             std::function<void()> pass);
  // After it returns, `pass` never runs again. Waits for a pass in progress.
  void stop() noexcept;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace payintent::detail
