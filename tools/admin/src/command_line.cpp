#include "command_line.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <string_view>

namespace payintent::admin_detail {
namespace {

constexpr std::array<std::string_view, 11> valued_flags = {
    "--store",    "--tenant",    "--limit",    "--batch", "--as",      "--reason",
    "--evidence", "--reference", "--operator", "--page",  "--consumer"};
constexpr std::array<std::string_view, 3> switches = {"--json", "--all", "--help"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& names, std::string_view name) {
  for (auto n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> command_line::flag(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

std::variant<command_line, std::string> parse_command_line(int argc, const char* const* argv) {
  command_line cl;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (!arg.starts_with("--")) {
      cl.words.emplace_back(arg);
      continue;
    }
    std::string name(arg);
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    }
    if (among(switches, name)) {
      if (value) return fmt::format("{} takes no value", name);
      value = "";
    } else if (!among(valued_flags, name)) {
      return fmt::format("unknown flag {}", name);
    } else if (!value) {
      if (i + 1 >= argc) return fmt::format("{} needs a value", name);
      value = argv[++i];
    }
    if (!cl.flags.emplace(name, *value).second) return fmt::format("{} given twice", name);
  }
  cl.json = cl.flags.erase("--json") > 0;
  cl.help = cl.flags.erase("--help") > 0;
  if (auto store = cl.flags.extract("--store")) {
    cl.store = store.mapped();
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read before any thread starts
  } else if (const char* env = std::getenv("PAYINTENT_STORE")) {
    cl.store = env;
  }
  return cl;
}

std::variant<std::size_t, std::string> count_flag(const command_line& cl, const std::string& flag,
                                                  std::size_t fallback, std::size_t lo,
                                                  std::size_t hi) {
  const auto text = cl.flag(flag);
  if (!text) return fallback;
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < lo || value > hi) {
    return fmt::format("{} '{}': expected a whole number from {} to {}", flag, *text, lo, hi);
  }
  return value;
}

std::string admin_usage(const std::string& program) {
  return fmt::format(
      R"(usage: {0} --store STORE [--json] COMMAND [ARGS]

STORE is sqlite:PATH (an existing file) or postgres:CONNINFO; without --store,
$PAYINTENT_STORE (which keeps a password out of the process list).
--json prints JSON on stdout instead of a table, for every command.

commands:
  show TENANT INTENT             the intent, its attempts, idempotency keys and audit trail
  review list [--tenant T] [--limit N]
                                 intents waiting in requires_review, oldest first
  review settle TENANT INTENT --as succeeded|failed --reason TEXT
                [--evidence TEXT] [--reference REF] [--operator NAME]
                                 a person's decision, fenced and audited; succeeded needs
                                 --reference (the network's id of the authorization);
                                 the operator defaults to $USER
  unresolved [--limit N]         attempts in init, pending or unknown, with their leases
  recover [--limit N]            one recovery pass (needs a binary linked with your
                                 card network: docs/operations.md)
  purge [--batch N]              deletes idempotency keys and events past their retention
  audit verify (--tenant T | --all) [--page N]
                                 recomputes every audit chain; names the first broken
                                 entry of each broken chain
  stats [--consumer NAME]        counts by status, oldest unresolved lease, keys past
                                 retention; with a consumer, the events it has not
                                 acknowledged

exit codes: 0 done; 1 audit verify found a broken chain; 2 bad input or refused
(nothing written); 3 the store failed transiently (retry).
)",
      program);
}

}  // namespace payintent::admin_detail
