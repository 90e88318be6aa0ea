// payintent::testing — named crash points, for crash-injection tests.
//
// The engine announces each gap between two durable steps by name. A test
// process installs a hook that kills itself (SIGKILL) at one of them; a fresh
// process then recovers, and the test checks that no money moved twice and
// nothing acknowledged was lost. With no hook installed (the default) a crash
// point costs one atomic load.
#pragma once

#include <array>
#include <string_view>

namespace payintent::testing {

// Called at each crash point with its name. Must be async-signal-safe enough
// to kill the process; it may also just record or return.
using crash_hook = void (*)(std::string_view point) noexcept;

// Installs `hook` for the whole process (nullptr removes it). Thread-safe.
void set_crash_hook(crash_hook hook) noexcept;

// Every crash point, in protocol order. claim.committed, outcome.received and
// outcome.committed are reached by captures, releases and refunds too.
inline constexpr std::array<std::string_view, 13> all_crash_points = {
    "claim.committed",        // key, intent, attempt(init) durable; authorize not yet called
    "authorize.sent",         // authorize called; its outcome not yet recorded
    "capture.sent",           // capture called; its outcome not yet recorded
    "release.sent",           // release called (cancel of requires_capture); outcome not recorded
    "refund.sent",            // refund called; its outcome not yet recorded
    "outcome.received",       // the network answered; the outcome not yet committed
    "outcome.committed",      // outcome durable; the caller not yet answered
    "recovery.taken_over",    // recovery holds the attempt under a new fence; no lookup yet
    "recovery.looked_up",     // lookup answered; its verdict not yet committed
    "recovery.void_decided",  // nothing found: the void decided, durably; not yet sent
    "recovery.voided",        // void done; the voided attempt not yet committed
    "purge.batch",            // between two batches of a key purge
    // A group commit of the SQLite store: one more member's statements applied
    // inside the group's open transaction, COMMIT not yet run. Announced after
    // each member of a group of two or more.
    "store.group_member_applied",
};

}  // namespace payintent::testing
