#include "payintent/card_network.hpp"
#include "payintent/validation.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <string>
#include <utility>

namespace payintent {

struct blocking_card_network::pool {
  explicit pool(std::size_t threads) : threads_(std::max<std::size_t>(threads, 1)) {}
  std::atomic<bool> stopped_{false};
  boost::asio::thread_pool threads_;
};

namespace {

// An exception's text comes from the integrator's client and may quote the
// request; it must not carry a card number into outcomes and logs.
std::string describe(std::string_view what_threw, const std::exception* e) {
  if (e == nullptr) return fmt::format("{} threw an unknown exception", what_threw);
  const std::string_view what = e->what();
  if (contains_card_number(what)) {
    return fmt::format("{} threw: (message withheld: it held a card number)", what_threw);
  }
  return fmt::format("{} threw: {}", what_threw, what);
}

}  // namespace

blocking_card_network::blocking_card_network(std::size_t threads)
    : pool_(std::make_unique<pool>(threads)) {
}

blocking_card_network::~blocking_card_network() {
  shutdown();
}

void blocking_card_network::shutdown() noexcept {
  pool_->stopped_ = true;
  pool_->threads_.join();
}

void blocking_card_network::async_authorize(const authorization_request& request,
                                            authorize_handler handler) {
  // A joined pool never runs posted work: answer now so the handler completes.
  if (pool_->stopped_) {
    return std::move(handler)(network_outcome::not_sent("card network adapter shut down"));
  }
  boost::asio::post(pool_->threads_, [this, request, handler = std::move(handler)]() mutable {
    network_outcome outcome;
    try {
      outcome = authorize(request);
    } catch (const std::exception& e) {
      // The request may have left before the throw: the outcome is unknown.
      outcome = network_outcome::unknown(describe("authorize", &e));
    } catch (...) {
      outcome = network_outcome::unknown(describe("authorize", nullptr));
    }
    std::move(handler)(std::move(outcome));
  });
}

void blocking_card_network::async_lookup(const std::string& reference, lookup_handler handler) {
  run_lookup([this, reference] { return lookup(reference); }, std::move(handler));
}

void blocking_card_network::async_lookup_capture(const std::string& reference,
                                                 lookup_handler handler) {
  run_lookup([this, reference] { return lookup_follow_up(attempt_kind::capture, reference); },
             std::move(handler));
}

void blocking_card_network::async_lookup_release(const std::string& reference,
                                                 lookup_handler handler) {
  run_lookup([this, reference] { return lookup_follow_up(attempt_kind::release, reference); },
             std::move(handler));
}

void blocking_card_network::async_lookup_refund(const std::string& reference,
                                                lookup_handler handler) {
  run_lookup([this, reference] { return lookup_follow_up(attempt_kind::refund, reference); },
             std::move(handler));
}

void blocking_card_network::run_lookup(std::function<result<lookup_result>()> call,
                                       lookup_handler handler) {
  if (pool_->stopped_) {
    return std::move(handler)(make_error_code(errc::card_network_error), lookup_result{});
  }
  boost::asio::post(pool_->threads_,
                    [call = std::move(call), handler = std::move(handler)]() mutable {
                      result<lookup_result> r = make_error_code(errc::card_network_error);
                      try {
                        r = call();
                      } catch (...) {
                        r = make_error_code(errc::card_network_error);
                      }
                      if (r) {
                        std::move(handler)(error_code{}, std::move(r).value());
                      } else {
                        std::move(handler)(r.error(), lookup_result{});
                      }
                    });
}

void blocking_card_network::async_capture(const follow_up_request& request,
                                          follow_up_handler handler) {
  run_follow_up(request, std::move(handler));
}

void blocking_card_network::async_release(const follow_up_request& request,
                                          follow_up_handler handler) {
  run_follow_up(request, std::move(handler));
}

void blocking_card_network::async_refund(const follow_up_request& request,
                                         follow_up_handler handler) {
  run_follow_up(request, std::move(handler));
}

void blocking_card_network::run_follow_up(const follow_up_request& request,
                                          follow_up_handler handler) {
  if (pool_->stopped_) {
    return std::move(handler)(error_code{},
                              network_outcome::not_sent("card network adapter shut down"));
  }
  boost::asio::post(pool_->threads_, [this, request, handler = std::move(handler)]() mutable {
    const std::string what(to_string(request.kind));
    result<network_outcome> r = make_error_code(errc::card_network_error);
    try {
      switch (request.kind) {
        case attempt_kind::capture:
          r = capture(request);
          break;
        case attempt_kind::release:
          r = release(request);
          break;
        case attempt_kind::refund:
          r = refund(request);
          break;
        case attempt_kind::authorization:
          r = make_error_code(errc::invalid_argument);  // not a follow-up
          break;
      }
    } catch (const std::exception& e) {
      // The request may have left before the throw: the outcome is unknown.
      r = network_outcome::unknown(describe(what, &e));
    } catch (...) {
      r = network_outcome::unknown(describe(what, nullptr));
    }
    if (r) {
      std::move(handler)(error_code{}, std::move(r).value());
    } else {
      std::move(handler)(r.error(), network_outcome{});
    }
  });
}

void blocking_card_network::async_void(const std::string& reference, void_handler handler) {
  if (pool_->stopped_) return std::move(handler)(make_error_code(errc::card_network_error));
  boost::asio::post(pool_->threads_, [this, reference, handler = std::move(handler)]() mutable {
    error_code ec;
    try {
      const result<void> r = void_authorization(reference);
      if (!r) ec = r.error();
    } catch (...) {
      ec = make_error_code(errc::card_network_error);
    }
    std::move(handler)(ec);
  });
}

result<lookup_result> blocking_card_network::lookup(const std::string& /*reference*/) {
  return make_error_code(errc::not_supported);
}

result<void> blocking_card_network::void_authorization(const std::string& /*reference*/) {
  return make_error_code(errc::not_supported);
}

result<network_outcome> blocking_card_network::capture(const follow_up_request& /*request*/) {
  return make_error_code(errc::not_supported);
}

result<network_outcome> blocking_card_network::release(const follow_up_request& /*request*/) {
  return make_error_code(errc::not_supported);
}

result<network_outcome> blocking_card_network::refund(const follow_up_request& /*request*/) {
  return make_error_code(errc::not_supported);
}

result<lookup_result> blocking_card_network::lookup_follow_up(attempt_kind /*kind*/,
                                                             const std::string& /*reference*/) {
  return make_error_code(errc::not_supported);
}

}  // namespace payintent
