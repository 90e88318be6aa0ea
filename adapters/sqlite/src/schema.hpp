// The file's schema and its migrations. Private to the adapter.
#pragma once

#include "transaction.hpp"

namespace payintent::sqlite_detail {

// Switches the file to WAL mode (persistent: later opens only read it) and
// brings it to `target_version`: missing migrations are applied in one BEGIN
// IMMEDIATE transaction that also bumps PRAGMA user_version, so concurrent
// openers apply each one exactly once. A current file is only read. With
// `read_only` nothing is written: a file behind answers storage_read_only.
// A file newer than `target_version` answers not_supported.
result<void> prepare_file(transaction_runner& runner, bool read_only, int target_version);

}  // namespace payintent::sqlite_detail
