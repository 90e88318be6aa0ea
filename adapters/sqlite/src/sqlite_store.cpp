#include "payintent/sqlite_store.hpp"

#include "codec.hpp"
#include "configured_connection.hpp"
#include "payintent/store_kit.hpp"
#include "schema.hpp"
#include "sql_statements.hpp"
#include "sql_store.hpp"
#include "transaction.hpp"
#include "write.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace payintent::sqlite_detail {
namespace {

// The state test must match the partial index attempts_unresolved word for
// word (schema migration 3), or SQLite will not use it.
constexpr const char* select_unresolved_sql =
    "SELECT tenant, intent_id, number, state, lease_expires_at FROM attempts "
    "WHERE state = 1 OR state = 5 OR state = 6 "
    "ORDER BY lease_expires_at, tenant, intent_id, number LIMIT ?1";
// Guarded by the attempt the key names.
constexpr const char* purge_keys_sql = PAYINTENT_SQL_PURGE_KEYS_HEAD
    "  AND a.number = k.result_attempt AND a.state IN (1, 5, 6))"
    " ORDER BY k.expires_at LIMIT ?2)";

}  // namespace

// The reads and the purge that the shared operations (sql_store.hpp) run.

result<std::optional<payment_intent>> select_intent(connection& conn, const tenant_id& tenant,
                                                    const intent_id& id) {
  using out_t = std::optional<payment_intent>;
  out_t intent;
  {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_intent_sql));
    stmt.bind(1, tenant.str()).bind(2, id.str());
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return out_t{};
    BOOST_OUTCOME_TRY(intent, adapter_detail::read_intent(stmt));
  }
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_attempts_sql));
  stmt.bind(1, tenant.str()).bind(2, id.str());
  for (;;) {
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) break;
    BOOST_OUTCOME_TRY(auto value, adapter_detail::read_attempt(stmt));
    intent->attempts.push_back(std::move(value));
  }
  return intent;
}

result<std::optional<key_record>> select_key(connection& conn, const tenant_id& tenant,
                                             const idempotency_key& key) {
  using out_t = std::optional<key_record>;
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_key_sql));
  stmt.bind(1, tenant.str()).bind(2, key.str());
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  if (!row) return out_t{};
  BOOST_OUTCOME_TRY(auto record, adapter_detail::read_key(stmt));
  return out_t{std::move(record)};
}

result<std::vector<unresolved_attempt>> select_unresolved(connection& conn, std::size_t limit,
                                                          std::int64_t now) {
  using out_t = std::vector<unresolved_attempt>;
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(select_unresolved_sql));
  stmt.bind(1, adapter_detail::as_limit(limit));
  out_t out;
  for (;;) {
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return out;
    unresolved_attempt u;
    u.tenant = tenant_id(stmt.text_at(0));
    u.intent = intent_id(stmt.text_at(1));
    u.attempt_number = static_cast<int>(stmt.int_at(2));
    u.state = static_cast<attempt_state>(stmt.int_at(3));  // 1, 5 or 6 by the WHERE
    u.lease_expires_at_ms = stmt.int_at(4);
    u.lease_expired = u.lease_expires_at_ms <= now;
    out.push_back(std::move(u));
  }
}

// The intents an expiry lists: rows (tenant, id, time) of `sql`, whose time
// is at or before `cutoff`.
template <class Listed>
result<std::vector<Listed>> select_listed(connection& conn, const char* sql, std::int64_t cutoff,
                                          std::size_t limit) {
  using out_t = std::vector<Listed>;
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(sql));
  stmt.bind(1, cutoff).bind(2, adapter_detail::as_limit(limit));
  out_t out;
  for (;;) {
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return out;
    out.push_back({tenant_id(stmt.text_at(0)), intent_id(stmt.text_at(1)), stmt.int_at(2)});
  }
}

result<std::vector<requires_action_intent>> select_requires_action(
    connection& conn, std::int64_t updated_at_or_before_ms, std::size_t limit) {
  return select_listed<requires_action_intent>(conn, adapter_detail::select_requires_action_sql,
                                               updated_at_or_before_ms, limit);
}

result<std::vector<requires_capture_intent>> select_requires_capture(
    connection& conn, std::int64_t authorized_at_or_before_ms, std::size_t limit) {
  return select_listed<requires_capture_intent>(conn, adapter_detail::select_requires_capture_sql,
                                                authorized_at_or_before_ms, limit);
}

result<std::vector<audit_entry>> select_audit(connection& conn, const tenant_id& tenant,
                                              const intent_id& id) {
  using out_t = std::vector<audit_entry>;
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_audit_sql));
  stmt.bind(1, tenant.str()).bind(2, id.str());
  out_t out;
  for (;;) {
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return out;
    out.push_back(adapter_detail::read_audit(stmt));
  }
}

result<std::size_t> delete_expired_keys(connection& conn, std::size_t limit, std::int64_t now) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(purge_keys_sql));
  stmt.bind(1, now).bind(2, adapter_detail::as_limit(limit));
  BOOST_OUTCOME_TRY(stmt.run());
  return static_cast<std::size_t>(conn.changes());
}

}  // namespace payintent::sqlite_detail

namespace payintent {
namespace {

// What an open store owns: its connections and the runner of its transactions.
struct sqlite_state {
  sqlite_state(sqlite_detail::pool_settings settings, std::size_t pool_size,
               adapter_detail::retry_policy policy, adapter_detail::group_limits group,
               std::function<std::int64_t()> clock)
      : pool(sqlite_detail::configured_opener(std::move(settings)), pool_size),
        runner(pool, policy, group, std::move(clock)) {}

  sqlite_detail::connection_pool pool;
  sqlite_detail::transaction_runner runner;
};

}  // namespace

result<std::unique_ptr<sqlite_store>> sqlite_store::open(sqlite_store_options options) {
  try {
    if (options.path.empty()) return errc::invalid_argument;
    sqlite_detail::pool_settings settings;
    settings.path = std::move(options.path);
    settings.read_only = options.read_only;
    settings.busy_timeout_ms = static_cast<int>(
        std::clamp<std::int64_t>(options.busy_timeout.count(), 0, std::numeric_limits<int>::max()));
    settings.synchronous = options.synchronous;
    settings.max_page_count = options.max_page_count;
    adapter_detail::retry_policy policy{std::max(options.max_retries, 0), options.retry_backoff};
    auto clock = options.clock ? std::move(options.clock)
                               : std::function<std::int64_t()>(store_kit::system_clock_ms);

    const adapter_detail::group_limits group{
        std::max<std::size_t>(options.max_group_size, 1),
        std::max(options.max_group_wait, std::chrono::microseconds{0})};
    auto s = std::make_unique<sqlite_state>(std::move(settings), options.pool_size, policy, group,
                                            std::move(clock));
    BOOST_OUTCOME_TRY(sqlite_detail::prepare_file(s->runner, options.read_only, schema_version));
    return std::unique_ptr<sqlite_store>(
        new adapter_detail::sql_store<sqlite_store, sqlite_state>(std::move(s)));
  } catch (...) {
    return errc::store_unavailable;
  }
}

}  // namespace payintent
