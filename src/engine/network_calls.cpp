#include "engine/network_calls.hpp"

#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <future>
#include <memory>

namespace payintent::detail {
namespace {

// Runs `start(handler)` and waits for the handler's value up to `timeout`.
template <class Value, class Start>
result<Value> call_blocking(Start&& start, std::string_view what,
                            std::chrono::milliseconds timeout, std::string* why) {
  auto promise = std::make_shared<std::promise<result<Value>>>();
  auto future = promise->get_future();
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto deliver = [promise, answered](result<Value> r) {
    if (!answered->exchange(true)) promise->set_value(std::move(r));
  };
  try {
    start(deliver);
  } catch (const std::exception& e) {
    if (why) *why = fmt::format("card_network.{} threw: {}", what, e.what());
    deliver(make_error_code(errc::card_network_error));
  } catch (...) {
    if (why) *why = fmt::format("card_network.{} threw", what);
    deliver(make_error_code(errc::card_network_error));
  }
  if (future.wait_for(timeout) != std::future_status::ready) {
    if (why) *why = fmt::format("card_network.{} did not answer within {} ms", what, timeout.count());
    return make_error_code(errc::card_network_error);
  }
  auto r = future.get();
  if (!r && why && why->empty()) {
    *why = fmt::format("card_network.{} failed: {}", what, r.error().message());
  }
  return r;
}

}  // namespace

result<lookup_result> lookup_blocking(card_network& network, const std::string& reference,
                                      std::chrono::milliseconds timeout, std::string* why) {
  return call_blocking<lookup_result>(
      [&](auto deliver) {
        network.async_lookup(reference, [deliver](error_code ec, lookup_result found) {
          deliver(ec ? result<lookup_result>(ec) : result<lookup_result>(std::move(found)));
        });
      },
      "lookup", timeout, why);
}

result<void> void_blocking(card_network& network, const std::string& reference,
                           std::chrono::milliseconds timeout, std::string* why) {
  auto r = call_blocking<bool>(
      [&](auto deliver) {
        network.async_void(reference, [deliver](error_code ec) {
          deliver(ec ? result<bool>(ec) : result<bool>(true));
        });
      },
      "void", timeout, why);
  if (!r) return r.error();
  return outcome::success();
}

}  // namespace payintent::detail
