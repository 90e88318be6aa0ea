// payintent-admin: parse, open the store the command needs, dispatch.
#include "payintent/admin.hpp"

#include "command_line.hpp"
#include "session.hpp"
#include "storm/store_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>

namespace payintent {
namespace {

using admin_detail::command_line;
using admin_detail::session;

struct command {
  std::array<std::string_view, 2> words;  // the second empty for one-word commands
  int (*run)(session&);
  bool writes;                            // opens the store read-write
  std::array<std::string_view, 5> flags;  // the flags it takes (beyond --store, --json)
  std::size_t arguments;                  // words after its own
};

const std::array<command, 8> commands = {{
    {{"show", ""}, admin_detail::show, false, {}, 2},
    {{"review", "list"}, admin_detail::review_list, false, {"--tenant", "--limit"}, 0},
    {{"review", "settle"},
     admin_detail::review_settle,
     true,
     {"--as", "--reason", "--evidence", "--reference", "--operator"},
     2},
    {{"unresolved", ""}, admin_detail::unresolved, false, {"--limit"}, 0},
    {{"recover", ""}, admin_detail::recover, true, {"--limit"}, 0},
    {{"purge", ""}, admin_detail::purge, true, {"--batch"}, 0},
    {{"audit", "verify"}, admin_detail::audit_verify, false, {"--tenant", "--all", "--page"}, 0},
    {{"stats", ""}, admin_detail::stats, false, {"--consumer"}, 0},
}};

const command* find_command(const command_line& cl) {
  for (const command& c : commands) {
    if (cl.words.empty() || cl.words[0] != c.words[0]) continue;
    if (c.words[1].empty()) return &c;
    if (cl.words.size() > 1 && cl.words[1] == c.words[1]) return &c;
  }
  return nullptr;
}

int usage_error(const admin_options& o, std::string_view why) {
  fmt::print(stderr, "{}: {} (--help for the usage)\n", o.program, why);
  return admin_refused;
}

// Opens the store `text` names: never creates a SQLite file, read-only for
// a command that only looks.
int open_store(session& s, const std::string& text, bool writes) {
  auto parsed = storm::parse_store_spec(text);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    return s.refuse(fmt::format("{} (--store sqlite:PATH or postgres:CONNINFO)", *why));
  }
  auto& spec = std::get<storm::store_spec>(parsed);
  if (spec.kind == storm::store_kind::memory) {
    return s.refuse(
        "--store memory holds nothing outside its own process: name a "
        "sqlite:PATH or postgres:CONNINFO store");
  }
  if (spec.kind == storm::store_kind::sqlite && !spec.target.starts_with("file:")) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec.target, ec)) {
      return s.refuse(fmt::format("no SQLite file at {}", spec.target));
    }
  }
  spec.read_only = !writes;
  diagnostics diag;
  auto opened = storm::open_store(spec, &diag);
  if (!opened) {
    // A SQLite file that cannot be opened is the operator's to fix, not a retry's.
    if (spec.kind == storm::store_kind::sqlite && opened.error() == errc::store_unavailable) {
      return s.refuse(fmt::format("{}: {}", diag.message, opened.error().message()));
    }
    return s.failed("cannot open the store", opened.error(), diag);
  }
  s.store = std::move(opened).value();
  return admin_ok;
}

}  // namespace

int run_admin(int argc, const char* const* argv, const admin_options& options) {
  auto parsed = admin_detail::parse_command_line(argc, argv);
  if (auto* why = std::get_if<std::string>(&parsed)) return usage_error(options, *why);
  const command_line& cl = std::get<command_line>(parsed);
  if (cl.help) {
    const std::string usage = admin_detail::admin_usage(options.program);
    fmt::print("{}", usage);
    return admin_ok;
  }
  if (cl.words.empty()) return usage_error(options, "no command given");
  const command* c = find_command(cl);
  if (c == nullptr) {
    const std::string said =
        cl.words.size() > 1 && (cl.words[0] == "review" || cl.words[0] == "audit")
            ? cl.words[0] + " " + cl.words[1]
            : cl.words[0];
    return usage_error(options, fmt::format("unknown command '{}'", said));
  }
  const std::size_t own = c->words[1].empty() ? 1 : 2;
  const std::string name = c->words[1].empty() ? std::string(c->words[0])
                                               : fmt::format("{} {}", c->words[0], c->words[1]);
  for (const auto& [flag, value] : cl.flags) {
    if (std::find(c->flags.begin(), c->flags.end(), flag) == c->flags.end()) {
      return usage_error(options, fmt::format("{} does not take {}", name, flag));
    }
  }
  if (cl.words.size() != own + c->arguments) {
    return usage_error(options, c->arguments == 0 ? fmt::format("{} takes no arguments", name)
                                                  : fmt::format("{} takes TENANT INTENT", name));
  }
  if (cl.store.empty())
    return usage_error(options, "name the store with --store (or $PAYINTENT_STORE)");

  command_line args = cl;  // the command's arguments from word 0
  args.words.erase(args.words.begin(), args.words.begin() + static_cast<std::ptrdiff_t>(own));
  session s{args, options, nullptr};
  if (const int rc = open_store(s, cl.store, c->writes); rc != admin_ok) return rc;
  return c->run(s);
}

}  // namespace payintent

namespace payintent::admin_detail {

int session::refuse(std::string_view message) const {
  fmt::print(stderr, "{}: {}\n", options.program, message);
  return admin_refused;
}

int session::failed(std::string_view what, const error_code& ec, const diagnostics& diag) const {
  const std::string why = diag.message.empty() ? ec.message() : diag.message;
  const std::string code = ec.category() == payintent_category()
                               ? fmt::format("{}", static_cast<errc>(ec.value()))
                               : ec.message();
  fmt::print(stderr, "{}: {}: {} ({})\n", options.program, what, why, code);
  return is_retryable(ec) ? admin_store_trouble : admin_refused;
}

}  // namespace payintent::admin_detail
