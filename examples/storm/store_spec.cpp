#include "storm/store_spec.hpp"

#include <payintent/memory_store.hpp>
#include <payintent/sqlite_store.hpp>

#include <fmt/format.h>

namespace payintent::storm {

std::variant<store_spec, std::string> parse_store_spec(std::string_view text) {
  if (text == "memory") return store_spec{store_kind::memory, {}};
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (text.starts_with(sqlite_prefix)) {
    std::string path(text.substr(sqlite_prefix.size()));
    if (path.empty()) return std::string("--store sqlite:PATH needs a file path");
    return store_spec{store_kind::sqlite, std::move(path)};
  }
  return fmt::format("--store must be memory or sqlite:PATH, not '{}'", text);
}

result<std::unique_ptr<idempotency_store>> open_store(const store_spec& spec, diagnostics* diag) {
  switch (spec.kind) {
    case store_kind::memory:
      return std::unique_ptr<idempotency_store>(std::make_unique<memory_store>());
    case store_kind::sqlite: {
      sqlite_store_options options;
      options.path = spec.target;
      auto opened = sqlite_store::open(std::move(options));
      if (!opened) {
        if (diag) diag->message = fmt::format("cannot open SQLite file {}", spec.target);
        return opened.error();
      }
      return std::unique_ptr<idempotency_store>(std::move(opened).value());
    }
  }
  return errc::not_supported;
}

}  // namespace payintent::storm
