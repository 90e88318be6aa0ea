// The two writing operations, run inside the caller's READ COMMITTED
// transaction as bodies of a staged group (staged_group.hpp): each may run
// again from its start with the answers of the round trips it made, and
// changes rows only in its last round trip. Private to the adapter.
#pragma once

#include "connection.hpp"
#include "payintent/idempotency_store.hpp"

namespace payintent::postgres_detail {

// Locks the intent's row (FOR UPDATE) and reads what the checks need in one
// round trip, checks the write's preconditions in the contract's order
// (intent existence, then the attempt's fence, then the intent's version,
// then the attempt number or lease) and, only if all hold, writes the
// intent row, the attempt row and the sealed audit rows in a second. On
// error the caller rolls back (to the write's savepoint).
result<write_receipt> apply_write(connection& conn, const intent_write& write, std::int64_t now_ms);

// Reads the key, together with the reads of the request's write; an
// existing key answers replay/mismatch without writing. Otherwise checks
// the request's write (if any) and inserts the key with its rows in a
// second round trip; a key a concurrent claimer inserted since (waited
// for, then failing on the primary key) is read in a third and answered
// as found.
result<claim_result> apply_claim(connection& conn, const claim_request& request,
                                 std::int64_t now_ms);

}  // namespace payintent::postgres_detail
