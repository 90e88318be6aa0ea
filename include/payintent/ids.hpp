// payintent — strongly typed identifiers.
//
// Ids are plain values (cheap to copy, comparable, hashable, formattable with
// fmt). Constructing one does not validate it: the service validates what
// callers pass (see validation.hpp) and stores only return what was validated
// on the way in.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace payintent {

// The text is immutable and shared between copies: copying an id (which the
// engine does with every record it passes around) costs a reference count,
// not an allocation.
template <class Tag>
class basic_id {
 public:
  basic_id() = default;
  explicit basic_id(std::string value)
      : value_(value.empty() ? nullptr : std::make_shared<const std::string>(std::move(value))) {}

  const std::string& str() const noexcept { return value_ ? *value_ : empty_text(); }
  bool empty() const noexcept { return !value_; }

  friend std::strong_ordering operator<=>(const basic_id& a, const basic_id& b) noexcept {
    return a.str().compare(b.str()) <=> 0;
  }
  friend bool operator==(const basic_id& a, const basic_id& b) noexcept {
    return a.value_ == b.value_ || a.str() == b.str();
  }

 private:
  static const std::string& empty_text() noexcept {
    static const std::string empty;
    return empty;
  }

  std::shared_ptr<const std::string> value_;  // nullptr for the empty id
};

// The merchant every call is scoped to: 1-64 characters of [A-Za-z0-9_.-].
using tenant_id = basic_id<struct tenant_tag>;
// A client's retry key: 1-255 printable ASCII characters (0x20-0x7E).
using idempotency_key = basic_id<struct idempotency_key_tag>;
// "pi_" followed by intent_id_chars base62 characters ([0-9A-Za-z]): the
// creation time in milliseconds since the Unix epoch (intent_id_time_chars,
// most significant first, so ids sort by creation time until the year 8888)
// and then intent_id_random_chars from a CSPRNG (about 95 bits).
using intent_id = basic_id<struct intent_tag>;
inline constexpr std::size_t intent_id_chars = 24;
inline constexpr std::size_t intent_id_time_chars = 8;
inline constexpr std::size_t intent_id_random_chars = intent_id_chars - intent_id_time_chars;

// Generates a fresh, unguessable intent id. Its time prefix puts ids
// created together next to each other in a store's B-tree index, so a
// group commit of many new intents dirties a few index pages, not one per
// intent (docs/design.md, "Intent ids"). Thread-safe.
intent_id generate_intent_id();
// The same shape from given parts: `unix_ms` for the time prefix, and
// `random_bits` (64 bits a call) for the random characters. For simulated
// worlds (world.hpp), whose ids must follow their seed; not unguessable
// unless `random_bits` is.
intent_id generate_intent_id(std::int64_t unix_ms,
                             const std::function<std::uint64_t()>& random_bits);

// The deterministic reference of attempt `number` (1-based) of an intent,
// passed to the card network so a network that dedupes can:
// "<intent id>-a<number>", e.g. "pi_4Jx...-a2".
std::string attempt_reference(const intent_id& intent, int number);

}  // namespace payintent

template <class Tag>
struct std::hash<payintent::basic_id<Tag>> {
  std::size_t operator()(const payintent::basic_id<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};

template <class Tag>
struct fmt::formatter<payintent::basic_id<Tag>> : fmt::formatter<std::string_view> {
  auto format(const payintent::basic_id<Tag>& id, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(id.str(), ctx);
  }
};
