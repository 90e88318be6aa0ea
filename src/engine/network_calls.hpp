// Blocking calls to the card network's lookup and void, for recovery: each
// waits for the handler up to a timeout (by `w`'s clock, on a condition of
// `w`), and maps throws and timeouts to
// errors. A handler that completes after its timeout finds only shared state,
// never a dangling caller.
#pragma once

#include "payintent/card_network.hpp"
#include "payintent/world.hpp"

#include <chrono>
#include <string>

namespace payintent::detail {

// errc::not_supported when the network has no lookup; card_network_error when
// it threw, failed or did not answer within `timeout`. `kind` picks the
// lookup: async_lookup for an authorization, async_lookup_capture, ...
result<lookup_result> lookup_blocking(card_network& network, world& w, attempt_kind kind,
                                      const std::string& reference,
                                      std::chrono::milliseconds timeout, std::string* why);

// What the network is asked for attempt `a` (a capture, release or refund)
// of `intent`.
follow_up_request follow_up_of(const payment_intent& intent, const attempt& a);

// Sends `call` by the network call its kind names (async_capture, ...).
void send_follow_up(card_network& network, const follow_up_request& call,
                    card_network::follow_up_handler handler);

// "async_authorize", "async_capture", ...: what a message names.
std::string_view call_name(attempt_kind kind) noexcept;

result<void> void_blocking(card_network& network, world& w, const std::string& reference,
                           std::chrono::milliseconds timeout, std::string* why);

}  // namespace payintent::detail
