// payintent — internal: how the async_ operations complete their handlers.
// Not part of the API; used by the templates in payment_service.hpp.
#pragma once

#include "payintent/detail/context_guard.hpp"
#include "payintent/error.hpp"

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

#include <functional>
#include <memory>
#include <utility>

namespace payintent::detail {

// A caller's completion handler, type-erased (so the engine is no template),
// that keeps the handler's executor busy until it runs — an io_context
// waiting on it does not run out of work — and runs it through that
// executor. Invoked at most once: a handler whose context is destroyed first
// is destroyed unrun (context_guard.hpp). A handler without an executor of
// its own runs on the service's pool. Thread-safe to complete from any
// thread. Made only by make_completion.
template <class T>
class completion final : public pending_handler {
 public:
  using handler_type = boost::asio::any_completion_handler<void(error_code, T)>;

  // `settled` runs once, when the handler is handed over or abandoned.
  completion(handler_type handler, const boost::asio::any_io_executor& fallback,
             std::function<void()> settled)
      : handler_(std::move(handler)),
        work_(boost::asio::prefer(boost::asio::get_associated_executor(handler_, fallback),
                                  boost::asio::execution::outstanding_work.tracked)),
        settled_hook_(std::move(settled)) {}
  ~completion() override { abandon(); }

  // Runs the handler with `r` — (error_code{}, value) or (error, T{}) —
  // through its executor: here when this thread already runs in it, else
  // posted there. The service calls it from its own threads only, so the
  // handler never runs inside an initiating call. Handing over holds the
  // guard's lock, so the context cannot be destroyed halfway through it.
  void operator()(result<T> r) {
    error_code ec;
    T value{};
    if (r) {
      value = std::move(r).value();
    } else {
      ec = r.error();
    }
    std::function<void()> hook;
    {
      std::lock_guard lock(mutex_);
      if (settled_) return;
      settled_ = true;
      auto work = std::move(work_);
      boost::asio::dispatch(work, boost::asio::append(std::move(handler_), ec, std::move(value)));
      hook = std::move(settled_hook_);
    }
    if (hook) hook();
  }

 private:
  void drop_handler() noexcept override {
    handler_ = {};
    work_ = {};
    // Under the lock, unlike operator()'s: the hook only counts.
    if (settled_hook_) std::exchange(settled_hook_, nullptr)();
  }

  handler_type handler_;
  boost::asio::any_completion_executor work_;
  std::function<void()> settled_hook_;
};

// A completion for `handler` (of its concrete type, before type erasure, so
// the context it is bound to can be named and guarded).
template <class T, class Handler>
std::shared_ptr<completion<T>> make_completion(Handler&& handler,
                                               const boost::asio::any_io_executor& fallback,
                                               std::function<void()> settled) {
  boost::asio::execution_context* context =
      context_of(boost::asio::get_associated_executor(handler, fallback));
  auto c = std::make_shared<completion<T>>(
      typename completion<T>::handler_type(std::forward<Handler>(handler)), fallback,
      std::move(settled));
  // The service's own pool outlives every completion it holds.
  if (context && context != context_of(fallback)) {
    boost::asio::use_service<context_guard>(*context).watch(c);
  }
  return c;
}

}  // namespace payintent::detail
