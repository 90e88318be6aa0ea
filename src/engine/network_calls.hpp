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
// it threw, failed or did not answer within `timeout`.
result<lookup_result> lookup_blocking(card_network& network, world& w, const std::string& reference,
                                      std::chrono::milliseconds timeout, std::string* why);

result<void> void_blocking(card_network& network, world& w, const std::string& reference,
                           std::chrono::milliseconds timeout, std::string* why);

}  // namespace payintent::detail
