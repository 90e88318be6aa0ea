#include "engine/network_calls.hpp"

#include <fmt/format.h>

#include "engine/planner.hpp"
#include "engine/waits.hpp"
#include "payintent/store_kit.hpp"

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

result<lookup_result> lookup_blocking(card_network& network, world& w, attempt_kind kind,
                                      const std::string& reference,
                                      std::chrono::milliseconds timeout, std::string* why) {
  return call_blocking<lookup_result>(
      [&](auto deliver) {
        auto handler = [deliver](error_code ec, lookup_result found) {
          deliver(ec ? result<lookup_result>(ec) : result<lookup_result>(std::move(found)));
        };
        switch (kind) {
          case attempt_kind::authorization:
            return network.async_lookup(reference, std::move(handler));
          case attempt_kind::capture:
            return network.async_lookup_capture(reference, std::move(handler));
          case attempt_kind::release:
            return network.async_lookup_release(reference, std::move(handler));
          case attempt_kind::refund:
            return network.async_lookup_refund(reference, std::move(handler));
        }
      },
      w, kind == attempt_kind::authorization ? "lookup" : fmt::format("lookup_{}", kind), timeout,
      why);
}

follow_up_request follow_up_of(const payment_intent& intent, const attempt& a) {
  follow_up_request r;
  r.kind = a.kind;
  r.reference = a.reference;
  if (const attempt* held = store_kit::held_authorization(intent)) {
    r.authorization_reference = held->reference;
    r.authorization_transaction_id = held->network_transaction_id;
  }
  r.tenant = intent.tenant;
  r.intent = intent.id;
  r.attempt_number = a.number;
  r.amount = a.kind == attempt_kind::release ? intent.amount : money{a.amount, intent.amount.currency};
  r.reason = a.reason;
  return r;
}

void send_follow_up(card_network& network, const follow_up_request& call,
                    card_network::follow_up_handler handler) {
  switch (call.kind) {
    case attempt_kind::capture:
      return network.async_capture(call, std::move(handler));
    case attempt_kind::release:
      return network.async_release(call, std::move(handler));
    case attempt_kind::refund:
      return network.async_refund(call, std::move(handler));
    case attempt_kind::authorization:
      break;
  }
  std::move(handler)(make_error_code(errc::invalid_argument), network_outcome{});
}

std::string_view call_name(attempt_kind kind) noexcept {
  switch (kind) {
    case attempt_kind::authorization:
      return "async_authorize";
    case attempt_kind::capture:
      return "async_capture";
    case attempt_kind::release:
      return "async_release";
    case attempt_kind::refund:
      return "async_refund";
  }
  return "a call";
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
