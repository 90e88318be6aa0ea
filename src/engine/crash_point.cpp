#include "payintent/detail/crash_point.hpp"

#include "payintent/testing/crash_points.hpp"

#include <atomic>

namespace payintent {
namespace {

std::atomic<testing::crash_hook> installed_hook{nullptr};

}  // namespace

void testing::set_crash_hook(crash_hook hook) noexcept { installed_hook.store(hook); }

void detail::crash_point(std::string_view name) noexcept {
  if (auto hook = installed_hook.load(std::memory_order_relaxed)) hook(name);
}

}  // namespace payintent
