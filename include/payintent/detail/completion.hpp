// payintent — internal: how the async_ operations complete their handlers.
// Not part of the API; used by the templates in payment_service.hpp.
#pragma once

#include "payintent/error.hpp"

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

#include <utility>

namespace payintent::detail {

// A caller's completion handler, type-erased (so the engine is no template),
// that keeps the handler's executor busy until it runs — an io_context
// waiting on it does not run out of work — and runs it through that
// executor. Invoked exactly once; a handler without an executor of its own
// runs on the service's pool. Thread-safe to complete from any thread.
template <class T>
class completion {
 public:
  using handler_type = boost::asio::any_completion_handler<void(error_code, T)>;

  completion(handler_type handler, const boost::asio::any_io_executor& fallback)
      : handler_(std::move(handler)),
        work_(boost::asio::prefer(boost::asio::get_associated_executor(handler_, fallback),
                                  boost::asio::execution::outstanding_work.tracked)) {}

  // Runs the handler with `r` — (error_code{}, value) or (error, T{}) —
  // through its executor: here when this thread already runs in it, else
  // posted there. The service calls it from its own threads only, so the
  // handler never runs inside an initiating call.
  void operator()(result<T> r) && {
    error_code ec;
    T value{};
    if (r) {
      value = std::move(r).value();
    } else {
      ec = r.error();
    }
    auto work = std::move(work_);
    boost::asio::dispatch(work, boost::asio::append(std::move(handler_), ec, std::move(value)));
  }

 private:
  handler_type handler_;
  boost::asio::any_completion_executor work_;
};

}  // namespace payintent::detail
