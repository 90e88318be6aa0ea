// http_server — every call the server makes into payintent, behind one seam.
//
// SWAP POINT. These are the shapes of payment_service's async operations
// (completion signature void(error_code, T), any Asio completion token; `diag`
// may be null and must outlive the completion). Until the library's own
// async_ forms land, this bridge runs the synchronous calls on a dedicated
// thread pool and completes on the caller's executor (the handler's
// associated executor), so no connection thread ever blocks on the store or
// the network. Replacing it means forwarding each function to
// `service.async_xxx(...)` and dropping the pool.
//
// Bridge cost: a confirm or charge holds one pool thread for up to its wait
// budget, so `threads` bounds how many library calls run at once
// (throughput <= threads / wait budget); more wait in the pool's queue.
//
// Thread-safe. The service must outlive this object; the destructor waits
// for calls in progress.
#pragma once

#include <payintent/payment_service.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace payintent::http {

class service_calls {
 public:
  service_calls(payment_service& service, std::size_t threads);
  ~service_calls();
  service_calls(const service_calls&) = delete;
  service_calls& operator=(const service_calls&) = delete;

  template <class Token>
  auto async_create_intent(std::string_view tenant, std::string_view key,
                           const create_params& params, diagnostics* diag, Token&& token) {
    return run<payment_response>([this, t = std::string(tenant), k = std::string(key), params,
                                  diag] { return service_.create_intent(t, k, params, diag); },
                                 std::forward<Token>(token));
  }

  template <class Token>
  auto async_confirm(std::string_view tenant, std::string_view key, std::string_view intent,
                     const confirm_params& params, diagnostics* diag, Token&& token) {
    return run<payment_response>(
        [this, t = std::string(tenant), k = std::string(key), i = std::string(intent), params,
         diag] { return service_.confirm(t, k, i, params, diag); },
        std::forward<Token>(token));
  }

  template <class Token>
  auto async_charge(std::string_view tenant, std::string_view key, const charge_params& params,
                    diagnostics* diag, Token&& token) {
    return run<payment_response>([this, t = std::string(tenant), k = std::string(key), params,
                                  diag] { return service_.charge(t, k, params, diag); },
                                 std::forward<Token>(token));
  }

  template <class Token>
  auto async_cancel(std::string_view tenant, std::string_view key, std::string_view intent,
                    const cancel_params& params, diagnostics* diag, Token&& token) {
    return run<payment_response>(
        [this, t = std::string(tenant), k = std::string(key), i = std::string(intent), params,
         diag] { return service_.cancel(t, k, i, params, diag); },
        std::forward<Token>(token));
  }

  template <class Token>
  auto async_retrieve(std::string_view tenant, std::string_view intent, diagnostics* diag,
                      Token&& token) {
    return run<payment_intent>([this, t = std::string(tenant), i = std::string(intent),
                                diag] { return service_.retrieve(t, i, diag); },
                               std::forward<Token>(token));
  }

 private:
  // Runs `call` (returning result<T>) on the pool, then completes the handler
  // on its associated executor with (error_code, T).
  template <class T, class Call, class Token>
  auto run(Call call, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, T)>(
        [this](auto handler, Call c) {
          auto executor = boost::asio::get_associated_executor(handler);
          boost::asio::post(pool_, [c = std::move(c), h = std::move(handler),
                                    executor = std::move(executor)]() mutable {
            result<T> r = c();
            error_code ec = r ? error_code() : r.error();
            T value = r ? std::move(r).value() : T();
            boost::asio::post(executor, [h = std::move(h), ec, v = std::move(value)]() mutable {
              std::move(h)(ec, std::move(v));
            });
          });
        },
        token, std::move(call));
  }

  payment_service& service_;
  boost::asio::thread_pool pool_;
};

}  // namespace payintent::http
