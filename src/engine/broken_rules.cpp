#include "payintent/testing/broken_rules.hpp"

#include <atomic>

namespace payintent::testing {
namespace {

std::atomic<broken_rule> broken{broken_rule::none};

}  // namespace

void break_rule(broken_rule rule) noexcept {
  broken.store(rule);
}

bool rule_broken(broken_rule rule) noexcept {
  return rule != broken_rule::none && broken.load(std::memory_order_relaxed) == rule;
}

}  // namespace payintent::testing
