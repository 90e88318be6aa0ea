#include "engine/network_calls.hpp"

#include <fmt/format.h>

#include "engine/waits.hpp"

#include <exception>
#include <memory>
#include <mutex>
#include <optional>

namespace payintent::detail {
namespace {

// Where the handler's value meets the waiting caller. Shared with the
// handler, which may complete after the caller gave up.
template <class Value>
struct answer_slot {
  explicit answer_slot(world& w) : ready(w.make_condition()) {}
  std::mutex mutex;
  const std::unique_ptr<world::condition> ready;
  std::optional<result<Value>> value;  // the first answer only
};

// Runs `start(handler)` and waits for the handler's value up to `timeout`.
template <class Value, class Start>
result<Value> call_blocking(Start&& start, world& w, std::string_view what,
                            std::chrono::milliseconds timeout, std::string* why) {
  auto slot = std::make_shared<answer_slot<Value>>(w);
  auto deliver = [slot](result<Value> r) {
    std::lock_guard lock(slot->mutex);
    if (slot->value) return;
    slot->value.emplace(std::move(r));
    slot->ready->notify_all();
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
  std::unique_lock lock(slot->mutex);
  if (!wait_for_predicate_until(w, *slot->ready, lock, w.now() + timeout,
                                [&] { return slot->value.has_value(); })) {
    if (why)
      *why = fmt::format("card_network.{} did not answer within {} ms", what, timeout.count());
    return make_error_code(errc::card_network_error);
  }
  auto r = std::move(*slot->value);
  if (!r && why && why->empty()) {
    *why = fmt::format("card_network.{} failed: {}", what, r.error().message());
  }
  return r;
}

}  // namespace

result<lookup_result> lookup_blocking(card_network& network, world& w, const std::string& reference,
                                      std::chrono::milliseconds timeout, std::string* why) {
  return call_blocking<lookup_result>(
      [&](auto deliver) {
        network.async_lookup(reference, [deliver](error_code ec, lookup_result found) {
          deliver(ec ? result<lookup_result>(ec) : result<lookup_result>(std::move(found)));
        });
      },
      w, "lookup", timeout, why);
}

result<void> void_blocking(card_network& network, world& w, const std::string& reference,
                           std::chrono::milliseconds timeout, std::string* why) {
  auto r = call_blocking<bool>(
      [&](auto deliver) {
        network.async_void(reference, [deliver](error_code ec) {
          deliver(ec ? result<bool>(ec) : result<bool>(true));
        });
      },
      w, "void", timeout, why);
  if (!r) return r.error();
  return outcome::success();
}

}  // namespace payintent::detail
