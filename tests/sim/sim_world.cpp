#include "sim_world.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <limits>
#include <thread>

namespace payintent::sim {

// The Unix time virtual time 0 stands for (2027-01-15), so ids and store
// times look like real ones.
constexpr std::int64_t epoch_unix_ms = 1'800'000'000'000;

struct sim_world::task {
  std::uint64_t seq = 0;
  int instance = outside;
  std::function<void()> body;
  baton_wait go;
  bool started = false;
  bool has_timer = false;
  std::multimap<std::pair<clock::duration, std::uint64_t>, task*>::iterator timer;
  sim_condition* waiting_on = nullptr;
};

class sim_world::sim_condition final : public world::condition {
 public:
  explicit sim_condition(sim_world& w) : world_(w) {}

  void wait(std::unique_lock<std::mutex>& lock) override { wait_until(lock, time_point::max()); }

  void wait_until(std::unique_lock<std::mutex>& lock, time_point deadline) override {
    task* self = world_.current_;
    if (!self) std::abort();  // only tasks wait
    self->waiting_on = this;
    waiters_.push_back(self);
    if (deadline != time_point::max()) {
      const auto at = std::max(deadline.time_since_epoch(), world_.elapsed_);
      self->timer = world_.timed_.emplace(std::pair{at, world_.next_seq_++}, self);
      self->has_timer = true;
    }
    lock.unlock();
    world_.yield_current();
    // A lock still held by a task that is not running is taken by letting
    // the others run until it is released.
    while (!lock.try_lock()) world_.sleep_for(clock::duration::zero());
  }

  void notify_all() override {
    for (task* t : waiters_) {
      t->waiting_on = nullptr;
      if (t->has_timer) {
        world_.timed_.erase(t->timer);
        t->has_timer = false;
      }
      world_.make_ready(t);
    }
    waiters_.clear();
  }

  // A waiter whose deadline came first.
  void forget(task* t) { std::erase(waiters_, t); }

 private:
  sim_world& world_;
  std::vector<task*> waiters_;
};

sim_world::sim_world(std::uint64_t seed) : random_(seed) {
}

sim_world::~sim_world() = default;

world::time_point sim_world::now() {
  return time_point(elapsed_);
}

std::int64_t sim_world::unix_ms() {
  return epoch_unix_ms + elapsed_ms();
}

std::int64_t sim_world::elapsed_ms() const noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed_).count();
}

void sim_world::sleep_for(clock::duration d) {
  task* self = current_;
  if (!self) std::abort();  // only tasks sleep
  self->timer =
      timed_.emplace(std::pair{elapsed_ + std::max(d, clock::duration::zero()), next_seq_++}, self);
  self->has_timer = true;
  yield_current();
}

void sim_world::post(std::function<void()> job) {
  spawn(current_instance(), std::move(job));
}

intent_id sim_world::new_intent_id() {
  minted_.push_back(generate_intent_id(unix_ms(), [this] { return random_(); }));
  return minted_.back();
}

std::unique_ptr<world::condition> sim_world::make_condition() {
  return std::make_unique<sim_condition>(*this);
}

void sim_world::spawn(int instance, std::function<void()> fn, clock::duration delay) {
  if (!alive(instance)) return;
  auto t = std::make_unique<task>();
  t->seq = next_seq_++;
  t->instance = instance;
  t->body = std::move(fn);
  task* raw = t.get();
  tasks_.push_back(std::move(t));
  if (delay > clock::duration::zero()) {
    raw->timer = timed_.emplace(std::pair{elapsed_ + delay, next_seq_++}, raw);
    raw->has_timer = true;
  } else {
    make_ready(raw);
  }
}

int sim_world::current_instance() const noexcept {
  return current_ ? current_->instance : outside;
}

void sim_world::crash(int instance) {
  if (current_ && current_->instance == instance) std::abort();  // not from inside
  crashed_.push_back(instance);
  std::erase_if(ready_, [&](task* t) { return t->instance == instance; });
  for (auto it = timed_.begin(); it != timed_.end();) {
    if (it->second->instance == instance) {
      it->second->has_timer = false;
      it = timed_.erase(it);
    } else {
      ++it;
    }
  }
}

void sim_world::pause(int instance, clock::duration d) {
  auto& until = paused_until_[instance];
  until = std::max(until, elapsed_ + d);
}

bool sim_world::alive(int instance) const {
  return std::find(crashed_.begin(), crashed_.end(), instance) == crashed_.end();
}

std::int64_t sim_world::uniform(std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) return lo;
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(random_);
}

sim_world_hooks sim_world::hooks() {
  sim_world_hooks h;
  h.schedule = [this](std::chrono::milliseconds delay, std::function<void()> fn) {
    spawn(outside, std::move(fn), delay);
  };
  h.pause = [this](std::chrono::milliseconds delay) { sleep_for(delay); };
  h.uniform = [this](std::int64_t lo, std::int64_t hi) { return uniform(lo, hi); };
  h.now_ms = [this] { return elapsed_ms(); };
  return h;
}

void sim_world::make_ready(task* t) {
  if (!alive(t->instance)) return;
  ready_.push_back(t);
}

bool sim_world::eligible(const task* t) const {
  auto it = paused_until_.find(t->instance);
  return it == paused_until_.end() || it->second <= elapsed_;
}

void sim_world::wake_due() {
  while (!timed_.empty() && timed_.begin()->first.first <= elapsed_) {
    task* t = timed_.begin()->second;
    timed_.erase(timed_.begin());
    t->has_timer = false;
    if (t->waiting_on) {
      t->waiting_on->forget(t);
      t->waiting_on = nullptr;
    }
    make_ready(t);
  }
}

void sim_world::yield_current() {
  task* self = current_;
  current_ = nullptr;
  if (!hand_over()) driver_.release();
  self->go.acquire();
}

// A thread that runs tasks, one after another: a task parked for good (its
// instance crashed) keeps its worker.
struct sim_world::worker {
  baton_wait go;
  task* job = nullptr;
};

void sim_world::start(task* t) {
  t->started = true;
  worker* w = nullptr;
  if (idle_workers_.empty()) {
    workers_.push_back(std::make_unique<worker>());
    w = workers_.back().get();
    std::thread([this, w] { work(w); }).detach();
  } else {
    w = idle_workers_.back();
    idle_workers_.pop_back();
  }
  w->job = t;
  w->go.release();
}

void sim_world::work(worker* w) {
  for (;;) {
    w->go.acquire();
    task* t = w->job;
    try {
      t->body();
    } catch (const std::exception& e) {
      fmt::print(stderr, "sim: a task threw: {}\n", e.what());
      std::abort();
    }
    t->body = nullptr;
    current_ = nullptr;
    idle_workers_.push_back(w);
    if (!hand_over()) driver_.release();
  }
}

bool sim_world::hand_over() {
  for (;;) {
    wake_due();
    candidates_.clear();
    for (std::size_t i = 0; i < ready_.size(); ++i) {
      if (eligible(ready_[i])) candidates_.push_back(i);
    }
    if (!candidates_.empty()) {
      const std::size_t pick =
          candidates_[static_cast<std::size_t>(uniform(0, std::ssize(candidates_) - 1))];
      task* t = ready_[pick];
      ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(pick));
      current_ = t;
      if (t->started) {
        t->go.release();
      } else {
        start(t);
      }
      return true;
    }
    // Nothing may run now: on to the next wake-up or end of a pause.
    auto next = clock::duration::max();
    if (!timed_.empty()) next = timed_.begin()->first.first;
    for (const auto& [instance, until_at] : paused_until_) {
      if (until_at > elapsed_) next = std::min(next, until_at);
    }
    if (next == clock::duration::max()) return false;  // nothing left at all
    if (next > end_) {
      elapsed_ = end_;
      return false;
    }
    elapsed_ = next;
  }
}

void sim_world::run_until(time_point until) {
  end_ = std::max(until.time_since_epoch(), elapsed_);
  if (hand_over()) driver_.acquire();
}

}  // namespace payintent::sim
