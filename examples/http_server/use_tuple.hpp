// The completion token of every co_await in the server: the coroutine gets
// (error_code, result...) as a tuple and decides what an error means, so no
// exception crosses a connection's coroutine.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace payintent::http {

inline constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace payintent::http
