// retry_storm — which store to run against, as given on the command line.
//
// One place knows the spellings: "memory" and "sqlite:PATH" today;
// "postgres:CONNINFO" is one more branch in parse_store_spec and open_store.
#pragma once

#include <payintent/error.hpp>
#include <payintent/idempotency_store.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace payintent::storm {

enum class store_kind { memory, sqlite };

struct store_spec {
  store_kind kind = store_kind::memory;
  std::string target;  // the file (sqlite); empty for memory

  // Whether processes that each open this spec share one store. A memory
  // store lives in one process's memory, so several processes would each
  // have their own and exactly-once across them means nothing.
  bool shared_between_processes() const noexcept { return kind != store_kind::memory; }
};

// Parses "memory" or "sqlite:PATH" (PATH non-empty). On failure returns a
// message saying what is wrong, for the usage error.
std::variant<store_spec, std::string> parse_store_spec(std::string_view text);

// Opens the store the spec names. Never throws; `diag` gets the detail.
result<std::unique_ptr<idempotency_store>> open_store(const store_spec& spec,
                                                      diagnostics* diag = nullptr);

}  // namespace payintent::storm
