// The database's schema and its migrations. Private to the adapter.
#pragma once

#include "transaction.hpp"

namespace payintent::postgres_detail {

// Brings the schema to `target_version` under a transaction-scoped advisory
// lock, so concurrent openers apply each migration exactly once. Each applied
// migration is a row of payintent_schema (version, compatible_from). A
// database whose newest migration needs code newer than `target_version`
// (compatible_from > target_version) answers not_supported; one that is
// merely newer but additive is used as it is.
result<void> migrate(transaction_runner& runner, int target_version);

// The newest migration this build has: postgres_store::schema_version, or
// one more in the rolling upgrade test's "version N+1" build.
int newest_version() noexcept;

}  // namespace payintent::postgres_detail
