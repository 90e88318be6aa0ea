#include "engine/real_world.hpp"

#include <boost/asio/post.hpp>

#include <condition_variable>
#include <thread>
#include <utility>

namespace payintent::detail {
namespace {

class real_condition final : public world::condition {
 public:
  void wait(std::unique_lock<std::mutex>& lock) override { cv_.wait(lock); }
  void wait_until(std::unique_lock<std::mutex>& lock, world::time_point deadline) override {
    cv_.wait_until(lock, deadline);
  }
  void notify_all() override { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

class real_world final : public world {
 public:
  explicit real_world(boost::asio::any_io_executor pool) : pool_(std::move(pool)) {}

  time_point now() override { return clock::now(); }
  std::int64_t unix_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void sleep_for(clock::duration d) override { std::this_thread::sleep_for(d); }
  void post(std::function<void()> job) override { boost::asio::post(pool_, std::move(job)); }
  intent_id new_intent_id() override { return generate_intent_id(); }
  std::unique_ptr<condition> make_condition() override {
    return std::make_unique<real_condition>();
  }

 private:
  boost::asio::any_io_executor pool_;
};

}  // namespace

std::shared_ptr<world> make_real_world(boost::asio::any_io_executor pool) {
  return std::make_shared<real_world>(std::move(pool));
}

}  // namespace payintent::detail
