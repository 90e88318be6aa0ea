// retry_storm — which store to run against, as given on the command line.
//
// One place knows the spellings: "memory", "sqlite:PATH",
// "postgres:CONNINFO" (a libpq connection string or postgresql:// URI; only
// when built with the PostgreSQL store) and "postgres-pooled:CONNINFO" (the
// same behind a pooler in transaction mode: no named prepared statements). retry_storm, payintent_bench and the
// multi-process and crash tests all open their stores through it.
#pragma once

#include <payintent/error.hpp>
#include <payintent/idempotency_store.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace payintent::storm {

enum class store_kind { memory, sqlite, postgres };

struct store_spec {
  store_kind kind = store_kind::memory;
  std::string target;  // the file (sqlite), the conninfo (postgres); empty for memory
  // postgres through a pooler in transaction mode ("postgres-pooled:").
  bool pooled = false;
  // Connections a postgres store keeps; 0: the store's default.
  std::size_t connections = 0;
  // Replaces the store clock (sqlite, postgres; ms since the Unix epoch);
  // empty: the store's own. For tests that move past leases without sleeping.
  std::function<std::int64_t()> clock;
  // Opens a SQLite file read-only (sqlite_store_options::read_only): for
  // tools that only look. Ignored by the other stores.
  bool read_only = false;

  // Whether processes that each open this spec share one store. A memory
  // store lives in one process's memory, so several processes would each
  // have their own and exactly-once across them means nothing.
  bool shared_between_processes() const noexcept { return kind != store_kind::memory; }
};

// Parses "memory", "sqlite:PATH", "postgres:CONNINFO" or
// "postgres-pooled:CONNINFO" (non-empty). On failure returns a
// message saying what is wrong, for the usage error.
std::variant<store_spec, std::string> parse_store_spec(std::string_view text);

// Opens the store the spec names. Never throws; `diag` gets the detail.
result<std::unique_ptr<idempotency_store>> open_store(const store_spec& spec,
                                                      diagnostics* diag = nullptr);

}  // namespace payintent::storm
