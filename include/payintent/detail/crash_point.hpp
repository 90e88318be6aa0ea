// Announces a named gap between durable steps to the test hook, if any
// (payintent/testing/crash_points.hpp). Called by the engine and the bundled
// stores; not for applications.
#pragma once

#include <string_view>

namespace payintent::detail {

void crash_point(std::string_view name) noexcept;

}  // namespace payintent::detail
