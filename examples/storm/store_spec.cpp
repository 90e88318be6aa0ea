#include "storm/store_spec.hpp"

#include <payintent/memory_store.hpp>
#include <payintent/sqlite_store.hpp>
#ifdef PAYINTENT_STORM_POSTGRES
#include <payintent/postgres_store.hpp>
#endif

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
  constexpr std::string_view postgres_prefix = "postgres:";
  constexpr std::string_view pooled_prefix = "postgres-pooled:";
  const bool pooled = text.starts_with(pooled_prefix);
  if (pooled || text.starts_with(postgres_prefix)) {
#ifdef PAYINTENT_STORM_POSTGRES
    std::string conninfo(text.substr(pooled ? pooled_prefix.size() : postgres_prefix.size()));
    if (conninfo.empty()) return std::string("--store postgres:CONNINFO needs a connection string");
    store_spec spec{store_kind::postgres, std::move(conninfo)};
    spec.pooled = pooled;
    return spec;
#else
    return std::string("--store postgres:CONNINFO: built without the PostgreSQL store");
#endif
  }
  return fmt::format("--store must be memory, sqlite:PATH or postgres:CONNINFO, not '{}'", text);
}

result<std::unique_ptr<idempotency_store>> open_store(const store_spec& spec, diagnostics* diag) {
  switch (spec.kind) {
    case store_kind::memory:
      return std::unique_ptr<idempotency_store>(std::make_unique<memory_store>());
    case store_kind::sqlite: {
      sqlite_store_options options;
      options.path = spec.target;
      options.read_only = spec.read_only;
      if (spec.clock) options.clock = spec.clock;
      auto opened = sqlite_store::open(std::move(options));
      if (!opened) {
        if (diag) diag->message = fmt::format("cannot open SQLite file {}", spec.target);
        return opened.error();
      }
      return std::unique_ptr<idempotency_store>(std::move(opened).value());
    }
    case store_kind::postgres: {
#ifdef PAYINTENT_STORM_POSTGRES
      postgres_store_options options;
      options.conninfo = spec.target;
      options.prepared_statements = !spec.pooled;
      if (spec.connections > 0) options.pool_size = spec.connections;
      if (spec.clock) options.clock = spec.clock;
      diagnostics why;
      auto opened = postgres_store::open(std::move(options), &why);
      if (!opened) {
        // The conninfo may hold a password: say why, not what.
        if (diag) diag->message = fmt::format("cannot open the PostgreSQL store: {}", why.message);
        return opened.error();
      }
      return std::unique_ptr<idempotency_store>(std::move(opened).value());
#else
      break;
#endif
    }
  }
  return errc::not_supported;
}

}  // namespace payintent::storm
