// payintent-admin's command line, parsed: the command's words, its flags,
// and the flags every command takes (--store, --json). Parsing only checks
// the shape; each command checks which flags it takes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace payintent::admin_detail {

struct command_line {
  std::vector<std::string> words;            // "review", "settle", "acme", "pi_..."
  std::map<std::string, std::string> flags;  // "--tenant" -> "acme"; a switch maps to ""
  std::string store;                         // --store, else $PAYINTENT_STORE
  bool json = false;                         // --json
  bool help = false;                         // --help or -h

  // The value of `flag`, when given.
  std::optional<std::string> flag(const std::string& name) const;
  bool has(const std::string& name) const { return flags.count(name) > 0; }
};

// Parses argv[1..]: "--flag value", "--flag=value", the switches --json,
// --all, --help and -h, and words. A message when a flag is unknown or has
// no value, or is given twice.
std::variant<command_line, std::string> parse_command_line(int argc, const char* const* argv);

// A whole number in [lo, hi] for `flag`, or a message saying what is wrong.
std::variant<std::size_t, std::string> count_flag(const command_line& cl, const std::string& flag,
                                                  std::size_t fallback, std::size_t lo,
                                                  std::size_t hi);

// The usage text.
std::string admin_usage(const std::string& program);

}  // namespace payintent::admin_detail
