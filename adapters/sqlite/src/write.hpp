// The two writing operations, run inside the caller's BEGIN IMMEDIATE
// transaction. Private to the adapter.
#pragma once

#include "connection.hpp"
#include "payintent/idempotency_store.hpp"

namespace payintent::sqlite_detail {

// Checks the write's preconditions in the contract's order (intent existence,
// then the attempt's fence, then the intent's version, then the attempt
// number or lease) and, only if all hold, writes the intent row, the attempt
// row and the sealed audit rows. On error the caller rolls back.
result<write_receipt> apply_write(connection& conn, const intent_write& write, std::int64_t now_ms);

// Answers replay/mismatch for an existing key without writing; otherwise
// applies the request's write (if any) and inserts the key.
result<claim_result> apply_claim(connection& conn, const claim_request& request,
                                 std::int64_t now_ms);

}  // namespace payintent::sqlite_detail
