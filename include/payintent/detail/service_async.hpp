// payintent — internal: the machinery behind payment_service's async_ forms.
// Not part of the API. Included at the end of payment_service.hpp, where the
// async_ member templates are defined; the non-template members below are
// defined in the library.
#pragma once

#include "payintent/detail/completion.hpp"
#include "payintent/payment_service.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace payintent::detail {

struct mutation;
// A mutating call, validated, its arguments copied; never null.
using prepared_mutation = result<std::shared_ptr<const mutation>>;

// A friend of payment_service: what the async_ templates need of it.
struct service_async {
  template <class T>
  using completion_ptr = std::shared_ptr<completion<T>>;

  // Validates and copies a mutating call's arguments (no store access).
  static prepared_mutation prepare(payment_service& s, std::string_view tenant,
                                   std::string_view key, const create_params& params,
                                   diagnostics* diag);
  static prepared_mutation prepare(payment_service& s, std::string_view tenant,
                                   std::string_view key, const charge_params& params,
                                   diagnostics* diag);
  static prepared_mutation prepare(payment_service& s, std::string_view tenant,
                                   std::string_view key, std::string_view intent,
                                   const confirm_params& params, diagnostics* diag);
  static prepared_mutation prepare(payment_service& s, std::string_view tenant,
                                   std::string_view key, std::string_view intent,
                                   const cancel_params& params, diagnostics* diag);
  static prepared_mutation prepare(payment_service& s, std::string_view tenant,
                                   std::string_view key, std::string_view intent,
                                   const authenticate_params& params, diagnostics* diag);
  static prepared_mutation prepare(payment_service& s, std::string_view tenant,
                                   std::string_view key, std::string_view intent,
                                   const capture_params& params, diagnostics* diag);
  static prepared_mutation prepare(payment_service& s, std::string_view tenant,
                                   std::string_view key, std::string_view intent,
                                   const refund_params& params, diagnostics* diag);
  // Runs a prepared mutation on the service's pool; `done` gets its answer.
  static void start(payment_service& s, prepared_mutation m, diagnostics* diag,
                    const completion_ptr<payment_response>& done);
  // The same for a refund: `done` gets the refund its answer started.
  static void start_refund(payment_service& s, prepared_mutation m, diagnostics* diag,
                           const completion_ptr<refund_response>& done);
  static void on_pool(payment_service& s, std::function<void()> job);
  // Counts an async_ operation as started; the returned hook ends it.
  static std::function<void()> track_operation(payment_service& s);
  static boost::asio::any_io_executor pool_executor(const payment_service& s);

  // The one generic initiation: `start` receives the handler, made a
  // completion while its type is known (so its io_context can be guarded) and
  // counted as an operation in progress until it is handed over.
  template <class T, class CompletionToken, class Start>
  static auto initiate(payment_service& s, CompletionToken&& token, Start start) {
    return boost::asio::async_initiate<CompletionToken, void(error_code, T)>(
        [&s](auto h, Start go) {
          std::move(go)(make_completion<T>(std::move(h), pool_executor(s), track_operation(s)));
        },
        token, std::move(start));
  }

  // A mutating operation: `args` (what the synchronous form takes, but
  // `diag`) prepared, then started.
  template <class CompletionToken, class... Args>
  static auto mutate(payment_service& s, diagnostics* diag, CompletionToken&& token,
                     const Args&... args) {
    return initiate<payment_response>(
        s, std::forward<CompletionToken>(token),
        [&s, m = prepare(s, args..., diag), diag](completion_ptr<payment_response> done) mutable {
          start(s, std::move(m), diag, done);
        });
  }

  // A read: runs the synchronous form on the service's pool.
  template <class T, class CompletionToken>
  static auto read(payment_service& s, std::function<result<T>()> job, CompletionToken&& token) {
    return initiate<T>(s, std::forward<CompletionToken>(token),
                       [&s, job = std::move(job)](completion_ptr<T> done) mutable {
                         on_pool(s, [job = std::move(job), done] { (*done)(job()); });
                       });
  }
};

}  // namespace payintent::detail

namespace payintent {

template <class CompletionToken>
auto payment_service::async_create_intent(std::string_view tenant, std::string_view key,
                                          const create_params& params, diagnostics* diag,
                                          CompletionToken&& token) {
  return detail::service_async::mutate(*this, diag, std::forward<CompletionToken>(token), tenant,
                                       key, params);
}

template <class CompletionToken>
auto payment_service::async_confirm(std::string_view tenant, std::string_view key,
                                    std::string_view intent, const confirm_params& params,
                                    diagnostics* diag, CompletionToken&& token) {
  return detail::service_async::mutate(*this, diag, std::forward<CompletionToken>(token), tenant,
                                       key, intent, params);
}

template <class CompletionToken>
auto payment_service::async_charge(std::string_view tenant, std::string_view key,
                                   const charge_params& params, diagnostics* diag,
                                   CompletionToken&& token) {
  return detail::service_async::mutate(*this, diag, std::forward<CompletionToken>(token), tenant,
                                       key, params);
}

template <class CompletionToken>
auto payment_service::async_cancel(std::string_view tenant, std::string_view key,
                                   std::string_view intent, const cancel_params& params,
                                   diagnostics* diag, CompletionToken&& token) {
  return detail::service_async::mutate(*this, diag, std::forward<CompletionToken>(token), tenant,
                                       key, intent, params);
}

template <class CompletionToken>
auto payment_service::async_capture(std::string_view tenant, std::string_view key,
                                    std::string_view intent, const capture_params& params,
                                    diagnostics* diag, CompletionToken&& token) {
  return detail::service_async::mutate(*this, diag, std::forward<CompletionToken>(token), tenant,
                                       key, intent, params);
}

template <class CompletionToken>
auto payment_service::async_refund(std::string_view tenant, std::string_view key,
                                   std::string_view intent, const refund_params& params,
                                   diagnostics* diag, CompletionToken&& token) {
  using async = detail::service_async;
  return async::initiate<refund_response>(
      *this, std::forward<CompletionToken>(token),
      [this, m = async::prepare(*this, tenant, key, intent, params, diag),
       diag](async::completion_ptr<refund_response> done) mutable {
        async::start_refund(*this, std::move(m), diag, done);
      });
}

template <class CompletionToken>
auto payment_service::async_retrieve_refund(std::string_view tenant, std::string_view refund_id,
                                            diagnostics* diag, CompletionToken&& token) {
  return detail::service_async::read<payintent::refund>(
      *this,
      [this, t = std::string(tenant), r = std::string(refund_id), diag] {
        return retrieve_refund(t, r, diag);
      },
      std::forward<CompletionToken>(token));
}

template <class CompletionToken>
auto payment_service::async_authenticate(std::string_view tenant, std::string_view key,
                                         std::string_view intent, const authenticate_params& params,
                                         diagnostics* diag, CompletionToken&& token) {
  return detail::service_async::mutate(*this, diag, std::forward<CompletionToken>(token), tenant,
                                       key, intent, params);
}

template <class CompletionToken>
auto payment_service::async_retrieve(std::string_view tenant, std::string_view intent,
                                     diagnostics* diag, CompletionToken&& token) {
  return detail::service_async::read<payment_intent>(
      *this,
      [this, t = std::string(tenant), i = std::string(intent), diag] {
        return retrieve(t, i, diag);
      },
      std::forward<CompletionToken>(token));
}

template <class CompletionToken>
auto payment_service::async_audit_trail(std::string_view tenant, std::string_view intent,
                                        diagnostics* diag, CompletionToken&& token) {
  return detail::service_async::read<std::vector<audit_entry>>(
      *this,
      [this, t = std::string(tenant), i = std::string(intent), diag] {
        return audit_trail(t, i, diag);
      },
      std::forward<CompletionToken>(token));
}

template <class CompletionToken>
auto payment_service::async_settle_review(std::string_view tenant, std::string_view intent,
                                          const review_settlement& settlement, diagnostics* diag,
                                          CompletionToken&& token) {
  return detail::service_async::read<payment_intent>(
      *this,
      [this, t = std::string(tenant), i = std::string(intent), settlement, diag] {
        return settle_review(t, i, settlement, diag);
      },
      std::forward<CompletionToken>(token));
}

}  // namespace payintent
