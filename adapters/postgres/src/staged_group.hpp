// A PostgreSQL group's members run side by side: each round trip carries the
// next statements of every member still running, so a group of N writes
// costs about four round trips (BEGIN, the reads, the rows, COMMIT) instead
// of two per member. Private to the adapter.
//
// How a member runs. Its body (group_member::apply) runs with the connection
// following the member's script (connection::script): it runs until its
// first round trip that has no answer yet, which the script keeps, and
// stops there. The group sends every member's kept round trip in one
// pipeline, each inside a savepoint of its own:
//     SAVEPOINT member; <its statements>; RELEASE SAVEPOINT member; ...
// hands each member its answer, and runs the bodies again from the start;
// a body reads the answers it has and goes one round trip further, until
// it returns. A body is therefore a function of its answers and now_ms
// (which stays the same for the member): running it again repeats
// nothing, and only its last run's value and events count.
//
// The rules the members' callers rely on (group_transaction.hpp's, kept):
//  - A statement that fails ends the pipeline there. Its member's savepoint
//    is rolled back (in front of the next round trip) and the failure is
//    that round trip's answer, which the body handles or returns; the
//    members after it send theirs again. Members before it keep theirs.
//  - A body that returns busy (a lock or statement timeout) runs again from
//    the start after a jittered backoff, at most max_retries times.
//  - A member waits while an earlier member whose footprint overlaps its
//    own is still running (write_group.hpp): its reads see every earlier
//    member's writes, as if the members ran one after the other.
//  - A body changes rows only in its last round trip. One that failed after
//    a round trip that changed rows would leave them behind, so it fails
//    the whole group (store_unavailable) instead.
//  - A failure that ends the transaction (a serialization failure, a
//    deadlock, a lost connection, a savepoint statement that failed) is
//    returned: the caller fails or reruns the whole group.
#pragma once

#include "connection.hpp"
#include "retry_backoff.hpp"
#include "write_group.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace payintent::postgres_detail {

using group_member = adapter_detail::group_member<connection>;

struct staged_group {
  // The store clock for a member, read once, when it first runs.
  std::function<result<std::int64_t>()> now;
  adapter_detail::retry_policy policy;
  // Called as each member is answered (in the order they finish).
  std::function<void()> member_done;
};

// Runs `members` on `conn`, inside the transaction the caller began, and
// sets each member's answer; the events of those that succeeded are queued
// on conn.unnumbered_events(), in the order they finished. Fails only with
// an error that ends the transaction (the members' answers then do not
// count).
result<void> run_staged(connection& conn, std::span<group_member*> members,
                        const staged_group& how) noexcept;

}  // namespace payintent::postgres_detail
