// payintent — internal: keeps a caller's completion handlers safe from the
// destruction of the execution context (an io_context) they are bound to.
// Not part of the API; used by completion.hpp.
//
// An async_ operation holds its caller's handler until the outcome is
// recorded, possibly long after the caller's io_context has stopped. If that
// context is destroyed first, handing it the handler would touch freed
// memory. So every pending handler bound to a context is registered with the
// context's guard, an Asio service that the context shuts down when it is
// destroyed: the guard then destroys each pending handler without running it
// — what Asio itself does with the handlers a destroyed context still holds —
// and the operation, which goes on in the service (its attempt is still
// recorded), hands nothing to the dead context.
#pragma once

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution/context_as.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace payintent::detail {

// A handler waiting to be handed to its executor, as its guard sees it.
class pending_handler {
 public:
  virtual ~pending_handler() = default;

  // Destroys the handler without running it, unless it was handed over
  // already. Thread-safe against the handing over (which holds the same lock).
  void abandon() noexcept;

 protected:
  // Destroys the handler and releases its executor's work. Under mutex_.
  virtual void drop_handler() noexcept = 0;

  std::mutex mutex_;
  bool settled_ = false;  // handed to its executor, or abandoned
};

// The service registered in each execution context that has pending handlers.
class context_guard final : public boost::asio::execution_context::service {
 public:
  using key_type = context_guard;
  static boost::asio::execution_context::id id;

  explicit context_guard(boost::asio::execution_context& context);

  // Abandons `handler` when the context shuts down before it is handed over.
  void watch(const std::shared_ptr<pending_handler>& handler);

 private:
  void shutdown() override;

  std::mutex mutex_;
  std::vector<std::weak_ptr<pending_handler>> watched_;
  std::size_t prune_at_ = 64;  // forget handed-over entries when this many are held
};

// The execution context behind `executor`, when the executor can name it.
template <class Executor>
boost::asio::execution_context* context_of(const Executor& executor) noexcept {
  namespace execution = boost::asio::execution;
  using context_ref = boost::asio::execution_context&;
  if constexpr (boost::asio::can_query<const Executor&,
                                       execution::context_as_t<context_ref>>::value) {
    return &static_cast<context_ref>(
        boost::asio::query(executor, execution::context_as<context_ref>));
  } else if constexpr (requires { executor.context(); }) {
    return &static_cast<context_ref>(executor.context());
  } else {
    return nullptr;
  }
}

}  // namespace payintent::detail
