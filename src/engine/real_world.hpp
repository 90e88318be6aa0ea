// The world a service runs in unless service_options::world names another:
// the steady and system clocks, real sleeps and condition variables, the
// service's own pool for jobs, and the CSPRNG for ids (world.hpp).
#pragma once

#include "payintent/world.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace payintent::detail {

// Jobs go to `pool`, which must outlive the world's last post.
std::shared_ptr<world> make_real_world(boost::asio::any_io_executor pool);

}  // namespace payintent::detail
