#include "payintent/postgres_store.hpp"

#include "codec.hpp"
#include "schema.hpp"
#include "sql_statements.hpp"
#include "sql_store.hpp"
#include "transaction.hpp"
#include "write.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace payintent::postgres_detail {
namespace {

// The state list matches the partial index attempts_unresolved.
constexpr const char* select_unresolved_sql =
    "SELECT tenant, intent_id, number, state, lease_expires_at FROM attempts "
    "WHERE state IN (1, 5, 6) ORDER BY lease_expires_at, tenant, intent_id, number LIMIT $1";
// Guarded by any unresolved attempt of the intent the key names. SKIP
// LOCKED: two purgers take different batches instead of waiting on each
// other.
constexpr auto purge_keys_sql =
    adapter_detail::with_marker<'$'>(PAYINTENT_SQL_PURGE_KEYS_HEAD
                                     "  AND a.state IN (1, 5, 6))"
                                     " ORDER BY k.expires_at LIMIT ?2 FOR UPDATE SKIP LOCKED)");

// The conninfo with a connect_timeout, unless it names one. Both spellings
// (key=value and URI) are parsed by libpq itself; a malformed one is
// reported with libpq's reason.
result<std::string> with_timeout(const std::string& conninfo, std::chrono::seconds timeout,
                                 diagnostics* diag) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    if (diag != nullptr && error != nullptr) diag->message = fmt::format("conninfo: {}", error);
    PQfreemem(error);
    return errc::invalid_argument;
  }
  bool has_timeout = false;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "connect_timeout" && o->val != nullptr) has_timeout = true;
  }
  PQconninfoFree(options);
  if (has_timeout) return conninfo;
  const auto seconds = std::max<std::int64_t>(timeout.count(), 2);
  // A URI takes options as query parameters; key=value text takes one more pair.
  if (conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://")) {
    const char sep = conninfo.find('?') == std::string::npos ? '?' : '&';
    return fmt::format("{}{}connect_timeout={}", conninfo, sep, seconds);
  }
  return fmt::format("{} connect_timeout={}", conninfo, seconds);
}

}  // namespace

// The reads and the purge that the shared operations (sql_store.hpp) run.

result<std::optional<payment_intent>> select_intent(connection& conn, const tenant_id& tenant,
                                                    const intent_id& id) {
  using out_t = std::optional<payment_intent>;
  const auto key = params().add(tenant.str()).add(id.str());
  BOOST_OUTCOME_TRY(auto r,
                    conn.query(postgres_detail::pg_sql<adapter_detail::select_intent_sql>, key));
  if (r.size() == 0) return out_t{};
  BOOST_OUTCOME_TRY(auto intent, adapter_detail::read_intent(postgres_detail::row_view{r, 0}));
  BOOST_OUTCOME_TRY(auto a,
                    conn.query(postgres_detail::pg_sql<adapter_detail::select_attempts_sql>, key));
  for (int i = 0; i < a.size(); ++i) {
    BOOST_OUTCOME_TRY(auto value, adapter_detail::read_attempt(postgres_detail::row_view{a, i}));
    intent.attempts.push_back(std::move(value));
  }
  return out_t{std::move(intent)};
}

result<std::optional<key_record>> select_key(connection& conn, const tenant_id& tenant,
                                             const idempotency_key& key) {
  using out_t = std::optional<key_record>;
  BOOST_OUTCOME_TRY(auto r, conn.query(postgres_detail::pg_sql<adapter_detail::select_key_sql>,
                                       params().add(tenant.str()).add(key.str())));
  if (r.size() == 0) return out_t{};
  BOOST_OUTCOME_TRY(auto record, adapter_detail::read_key(postgres_detail::row_view{r, 0}));
  return out_t{std::move(record)};
}

result<std::vector<unresolved_attempt>> select_unresolved(connection& conn, std::size_t limit,
                                                          std::int64_t now) {
  using out_t = std::vector<unresolved_attempt>;
  BOOST_OUTCOME_TRY(
      auto r, conn.query(select_unresolved_sql, params().add(adapter_detail::as_limit(limit))));
  out_t out;
  for (int i = 0; i < r.size(); ++i) {
    unresolved_attempt u;
    u.tenant = tenant_id(r.text_at(i, 0));
    u.intent = intent_id(r.text_at(i, 1));
    u.attempt_number = static_cast<int>(r.int_at(i, 2));
    u.state = static_cast<attempt_state>(r.int_at(i, 3));  // 1, 5 or 6 by the WHERE
    u.lease_expires_at_ms = r.int_at(i, 4);
    u.lease_expired = u.lease_expires_at_ms <= now;
    out.push_back(std::move(u));
  }
  return out;
}

// The intents an expiry lists: rows (tenant, id, time) of `Sql`, whose time
// is at or before `cutoff`.
template <class Listed, const auto& Sql>
result<std::vector<Listed>> select_listed(connection& conn, std::int64_t cutoff,
                                          std::size_t limit) {
  using out_t = std::vector<Listed>;
  BOOST_OUTCOME_TRY(auto r, conn.query(postgres_detail::pg_sql<Sql>,
                                       params().add(cutoff).add(adapter_detail::as_limit(limit))));
  out_t out;
  for (int i = 0; i < r.size(); ++i) {
    out.push_back({tenant_id(r.text_at(i, 0)), intent_id(r.text_at(i, 1)), r.int_at(i, 2)});
  }
  return out;
}

result<std::vector<requires_action_intent>> select_requires_action(
    connection& conn, std::int64_t updated_at_or_before_ms, std::size_t limit) {
  return select_listed<requires_action_intent, adapter_detail::select_requires_action_sql>(
      conn, updated_at_or_before_ms, limit);
}

result<std::vector<requires_capture_intent>> select_requires_capture(
    connection& conn, std::int64_t authorized_at_or_before_ms, std::size_t limit) {
  return select_listed<requires_capture_intent, adapter_detail::select_requires_capture_sql>(
      conn, authorized_at_or_before_ms, limit);
}

result<std::vector<audit_entry>> select_audit(connection& conn, const tenant_id& tenant,
                                              const intent_id& id) {
  using out_t = std::vector<audit_entry>;
  BOOST_OUTCOME_TRY(auto r, conn.query(postgres_detail::pg_sql<adapter_detail::select_audit_sql>,
                                       params().add(tenant.str()).add(id.str())));
  out_t out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(adapter_detail::read_audit(postgres_detail::row_view{r, i}));
  return out;
}

result<std::size_t> delete_expired_keys(connection& conn, std::size_t limit, std::int64_t now) {
  BOOST_OUTCOME_TRY(auto r, conn.query(purge_keys_sql.c_str(),
                                       params().add(now).add(adapter_detail::as_limit(limit))));
  return static_cast<std::size_t>(r.affected());
}

}  // namespace payintent::postgres_detail

namespace payintent {
namespace {

// What an open store owns: its connections and the runner of its transactions.
struct postgres_state {
  postgres_state(std::string conninfo, postgres_detail::connection::statements how,
                 std::size_t pool_size, adapter_detail::retry_policy policy,
                 adapter_detail::group_limits group, std::function<std::int64_t()> clock)
      : pool(
            [conninfo = std::move(conninfo), how](std::string* why) {
              return postgres_detail::connection::open(conninfo, how, why);
            },
            pool_size),
        runner(pool, policy, group, std::move(clock)) {}

  postgres_detail::connection_pool pool;
  postgres_detail::transaction_runner runner;
};

}  // namespace

result<std::unique_ptr<postgres_store>> postgres_store::open(postgres_store_options options,
                                                             diagnostics* diag) {
  try {
    if (options.conninfo.empty()) {
      if (diag != nullptr) diag->message = "conninfo is empty";
      return errc::invalid_argument;
    }
    BOOST_OUTCOME_TRY(auto conninfo, postgres_detail::with_timeout(options.conninfo,
                                                                   options.connect_timeout, diag));
    adapter_detail::retry_policy policy{std::max(options.max_retries, 0), options.retry_backoff};
    // A member is at most two subtransactions; PostgreSQL caches 64 per
    // transaction.
    const adapter_detail::group_limits group{
        std::clamp<std::size_t>(options.max_group_size, 1, 32),
        std::max(options.max_group_wait, std::chrono::microseconds{0}),
        std::max<std::size_t>(options.group_lanes, 1)};
    const auto how = options.prepared_statements ? postgres_detail::connection::statements::prepared
                                                 : postgres_detail::connection::statements::unnamed;
    auto s = std::make_unique<postgres_state>(std::move(conninfo), how, options.pool_size, policy,
                                              group, std::move(options.clock));
    {
      std::string why;  // the first connection, for libpq's reason if it fails
      auto first = s->pool.borrow(&why);
      if (!first) {
        if (diag != nullptr) diag->message = fmt::format("cannot connect: {}", why);
        return first.error();
      }
    }
    if (auto migrated = postgres_detail::migrate(s->runner, postgres_detail::newest_version());
        !migrated) {
      if (diag != nullptr) {
        diag->message = migrated.error() == errc::not_supported
                            ? "the database schema needs a newer payintent"
                            : "cannot migrate the schema";
      }
      return migrated.error();
    }
    return std::unique_ptr<postgres_store>(
        new adapter_detail::sql_store<postgres_store, postgres_state>(std::move(s)));
  } catch (...) {
    return errc::store_unavailable;
  }
}

}  // namespace payintent
