// What every payintent-admin command works with: its command line, the
// options of the embedding program, the open store, and the one way to
// end with an error line and an exit code.
#pragma once

#include "command_line.hpp"
#include "payintent/admin.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace payintent::admin_detail {

struct session {
  const command_line& cl;
  const admin_options& options;
  std::unique_ptr<idempotency_store> store;

  // "<program>: <message>" on stderr; answers admin_refused.
  int refuse(std::string_view message) const;
  // The same for a store or service error: admin_store_trouble when
  // retrying may help (busy, unavailable), else admin_refused.
  int failed(std::string_view what, const error_code& ec, const diagnostics& diag) const;
  // `word` of the command line (0-based after the command's own words), or
  // nullopt.
  const std::string* word(std::size_t index) const {
    return index < cl.words.size() ? &cl.words[index] : nullptr;
  }
};

// The TENANT INTENT arguments of show and review settle, validated, or the
// exit code of refusing them.
struct target {
  tenant_id tenant;
  intent_id intent;
};
std::variant<target, int> target_of(const session& s);

// Prints `intent` (and, `with_trail`, its keys and audit trail) as show does.
int print_intent(session& s, const payment_intent& intent, bool with_trail);

// The commands; each answers its exit code. Their arguments are the
// session's words, from 0.
int show(session& s);
int review_list(session& s);
int review_settle(session& s);
int unresolved(session& s);
int recover(session& s);
int purge(session& s);
int audit_verify(session& s);
int stats(session& s);

}  // namespace payintent::admin_detail
