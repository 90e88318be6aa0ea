// payintent — the operator's command line, payintent-admin, as a library
// (target payintent::admin; docs/operations.md is its runbook).
//
// payintent-admin is `int main(argc, argv) { return payintent::run_admin(argc,
// argv); }`. It has no card network, so its `recover` refuses: recovery asks
// the network what became of each attempt. A deployment builds a recovery
// binary of its own, the same command line with its card_network:
//
//   #include <payintent/admin.hpp>
//   int main(int argc, char** argv) {
//     my_card_network network{...};  // the one the servers use
//     return payintent::run_admin(argc, argv, {.network = &network});
//   }
//
// linked with payintent::admin (add_subdirectory of payintent, or the
// installed package's `admin` component). examples/06_recovery_admin.cpp is
// that binary for the fake network.
#pragma once

#include "payintent/audit.hpp"
#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace payintent {

struct admin_options {
  // The card network `recover` uses; borrowed for the call. Default: none,
  // and `recover` refuses (exit code 2) without touching the store.
  card_network* network = nullptr;
  // The program's name in the usage and in error lines. Default:
  // "payintent-admin".
  std::string program = "payintent-admin";
};

// Exit codes of run_admin.
inline constexpr int admin_ok = 0;            // done
inline constexpr int admin_audit_broken = 1;  // audit verify found a broken chain
inline constexpr int admin_refused = 2;  // bad input, or refused (wrong state, read-only store,
                                         // no such intent): one line on stderr, nothing written
inline constexpr int admin_store_trouble = 3;  // the store failed transiently: retry later

// Runs one payintent-admin command line (argv[0] is the program) and answers
// its exit code; output on stdout (a table, or JSON with --json), errors one
// line on stderr. `--help` prints the usage. Thread-safe in the sense that
// calls share nothing; each opens the store it names and closes it.
int run_admin(int argc, const char* const* argv, const admin_options& options = {});

// What verify_audit_chains found.
struct audit_chains_report {
  std::uint64_t chains = 0;   // intents whose chain was read
  std::uint64_t entries = 0;  // entries read
  std::uint64_t broken = 0;   // chains that do not verify
};

// Recomputes every audit chain of `store` (of `tenant` alone unless it is
// empty), reading idempotency_store::scan_audit `page` entries at a time,
// and calls `on_broken(entry, verification)` once for each chain that does
// not verify, with the chain's first entry and verify_audit's answer (the
// first broken sequence and why). Memory: one chain and one page. Errors are
// the store's (not_supported when it has no scan_audit); a chain reported
// broken before an error stays reported.
result<audit_chains_report> verify_audit_chains(
    idempotency_store& store, const tenant_id& tenant, std::size_t page,
    const std::function<void(const audit_entry&, const audit_verification&)>& on_broken);

}  // namespace payintent
