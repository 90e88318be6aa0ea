#include "engine/recovery_loop.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <condition_variable>
#include <mutex>

namespace payintent::detail {

struct recovery_loop::state : std::enable_shared_from_this<state> {
  state(boost::asio::any_io_executor ex, std::chrono::milliseconds every, std::function<void()> fn)
      : strand(boost::asio::make_strand(ex)), timer(strand), interval(every), pass(std::move(fn)) {}

  void arm() {
    timer.expires_after(interval);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->tick();
    });
  }

  void tick() {
    {
      std::lock_guard lock(mutex);
      if (stopped) return;
      running = true;
    }
    pass();
    std::lock_guard lock(mutex);
    running = false;
    idle.notify_all();
    if (!stopped) arm();
  }

  boost::asio::strand<boost::asio::any_io_executor> strand;
  boost::asio::steady_timer timer;  // touched only on the strand
  std::chrono::milliseconds interval;
  std::function<void()> pass;
  std::mutex mutex;
  std::condition_variable idle;
  bool stopped = false;
  bool running = false;
};

void recovery_loop::start(boost::asio::any_io_executor executor, std::chrono::milliseconds interval,
                          std::function<void()> pass) {
  stop();
  state_ = std::make_shared<state>(std::move(executor), interval, std::move(pass));
  boost::asio::post(state_->strand, [s = state_] { s->arm(); });
}

void recovery_loop::stop() noexcept {
  if (!state_) return;
  auto s = std::move(state_);
  std::unique_lock lock(s->mutex);
  s->stopped = true;
  s->idle.wait(lock, [&] { return !s->running; });
  lock.unlock();
  try {
    boost::asio::post(s->strand, [s] { s->timer.cancel(); });
  } catch (...) {
    // The executor is gone: so is the timer's pending wait.
  }
}

}  // namespace payintent::detail
