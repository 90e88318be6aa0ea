#include "payintent/sqlite_store.hpp"

#include "codec.hpp"
#include "configured_connection.hpp"
#include "payintent/store_kit.hpp"
#include "schema.hpp"
#include "sql_statements.hpp"
#include "transaction.hpp"
#include "write.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace payintent {
namespace {

using sqlite_detail::connection;
using sqlite_detail::tx_kind;

// The state test must match the partial index attempts_unresolved word for
// word (schema migration 3), or SQLite will not use it.
constexpr const char* select_unresolved_sql =
    "SELECT tenant, intent_id, number, state, lease_expires_at FROM attempts "
    "WHERE state = 1 OR state = 5 OR state = 6 "
    "ORDER BY lease_expires_at, tenant, intent_id, number LIMIT ?1";
// A key naming an attempt still init/pending/unknown guards it until
// recovery has reconciled it, however old the key.
constexpr const char* purge_keys_sql =
    "DELETE FROM idempotency_keys WHERE (tenant, \"key\") IN ("
    " SELECT k.tenant, k.\"key\" FROM idempotency_keys AS k"
    " WHERE k.expires_at <= ?1 AND NOT EXISTS ("
    "  SELECT 1 FROM attempts AS a WHERE a.tenant = k.tenant AND a.intent_id = k.result_intent"
    "  AND a.number = k.result_attempt AND a.state IN (1, 5, 6))"
    " ORDER BY k.expires_at LIMIT ?2)";

std::int64_t as_limit(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

struct sqlite_store::state {
  state(sqlite_detail::pool_settings settings, std::size_t pool_size,
        adapter_detail::retry_policy policy, adapter_detail::group_limits group,
        std::function<std::int64_t()> clock)
      : pool(sqlite_detail::configured_opener(std::move(settings)), pool_size),
        runner(pool, policy, group, std::move(clock)) {}

  sqlite_detail::connection_pool pool;
  sqlite_detail::transaction_runner runner;
};

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
    auto s = std::make_unique<state>(std::move(settings), options.pool_size, policy, group,
                                     std::move(clock));
    BOOST_OUTCOME_TRY(sqlite_detail::prepare_file(s->runner, options.read_only, schema_version));
    return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(s)));
  } catch (...) {
    return errc::store_unavailable;
  }
}

sqlite_store::sqlite_store(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {
}

sqlite_store::~sqlite_store() = default;

result<claim_result> sqlite_store::claim(const claim_request& request) {
  return state_->runner.write([&](connection& conn, std::int64_t now) {
    return sqlite_detail::apply_claim(conn, request, now);
  });
}

result<write_receipt> sqlite_store::commit(const intent_write& write) {
  return state_->runner.write([&](connection& conn, std::int64_t now) {
    return sqlite_detail::apply_write(conn, write, now);
  });
}

result<std::optional<payment_intent>> sqlite_store::load(const tenant_id& tenant,
                                                         const intent_id& id) {
  using out_t = std::optional<payment_intent>;
  return state_->runner.run(tx_kind::read, [&](connection& conn, std::int64_t) -> result<out_t> {
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
  });
}

result<std::optional<key_record>> sqlite_store::load_key(const tenant_id& tenant,
                                                         const idempotency_key& key) {
  using out_t = std::optional<key_record>;
  return state_->runner.run(tx_kind::read, [&](connection& conn, std::int64_t) -> result<out_t> {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_key_sql));
    stmt.bind(1, tenant.str()).bind(2, key.str());
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (!row) return out_t{};
    BOOST_OUTCOME_TRY(auto record, adapter_detail::read_key(stmt));
    return out_t{std::move(record)};
  });
}

result<std::vector<unresolved_attempt>> sqlite_store::list_unresolved(std::size_t limit) {
  using out_t = std::vector<unresolved_attempt>;
  return state_->runner.run(
      tx_kind::read, [&](connection& conn, std::int64_t now) -> result<out_t> {
        BOOST_OUTCOME_TRY(auto stmt, conn.prepare(select_unresolved_sql));
        stmt.bind(1, as_limit(limit));
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
      });
}

result<std::vector<requires_action_intent>> sqlite_store::list_requires_action(
    std::int64_t updated_at_or_before_ms, std::size_t limit) {
  using out_t = std::vector<requires_action_intent>;
  return state_->runner.run(tx_kind::read, [&](connection& conn, std::int64_t) -> result<out_t> {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_requires_action_sql));
    stmt.bind(1, updated_at_or_before_ms).bind(2, as_limit(limit));
    out_t out;
    for (;;) {
      BOOST_OUTCOME_TRY(auto row, stmt.step());
      if (!row) return out;
      out.push_back({tenant_id(stmt.text_at(0)), intent_id(stmt.text_at(1)), stmt.int_at(2)});
    }
  });
}

result<std::vector<audit_entry>> sqlite_store::audit_trail(const tenant_id& tenant,
                                                           const intent_id& id) {
  using out_t = std::vector<audit_entry>;
  return state_->runner.run(tx_kind::read, [&](connection& conn, std::int64_t) -> result<out_t> {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_audit_sql));
    stmt.bind(1, tenant.str()).bind(2, id.str());
    out_t out;
    for (;;) {
      BOOST_OUTCOME_TRY(auto row, stmt.step());
      if (!row) return out;
      out.push_back(adapter_detail::read_audit(stmt));
    }
  });
}

result<std::size_t> sqlite_store::purge_expired_keys(std::size_t limit) {
  return state_->runner.write([&](connection& conn, std::int64_t now) -> result<std::size_t> {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(purge_keys_sql));
    stmt.bind(1, now).bind(2, as_limit(limit));
    BOOST_OUTCOME_TRY(stmt.run());
    return static_cast<std::size_t>(conn.changes());
  });
}

result<std::int64_t> sqlite_store::now_ms() {
  return state_->runner.now();
}

}  // namespace payintent
