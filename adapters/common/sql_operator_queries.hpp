// The operators' queries (idempotency_store::list_by_status, keys_of_intent,
// scan_audit, count_records), written once for both SQL stores over one primitive each
// store supplies, found by argument-dependent lookup in the namespace of its
// connection:
//   for_each_row<Text>(conn, bind, on_row) -> result<void>
// runs statement `Text` (one of the constants below, SQLite's ?N parameters;
// PostgreSQL's store marks them '$'), lets `bind(binder)` add its
// parameters, and hands each row (text_at, int_at, is_null) to `on_row`,
// which answers result<void>; its first error stops the rows and is
// answered. Private to the adapters (header-only, not installed).
#pragma once

#include "sql_codec.hpp"

#include "payintent/idempotency_store.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace payintent::adapter_detail {

// No index serves these: an operator's query scans. The unresolved-attempt
// test is the partial index attempts_unresolved's, as SQLite spells it
// (PostgreSQL proves its own `IN (1, 5, 6)` from it).
inline constexpr char select_by_status_sql[] =
    "SELECT " PAYINTENT_SQL_INTENT_COLUMNS
    " FROM intents WHERE status = ?1 AND (?2 = '' OR "
    "tenant = ?2) ORDER BY updated_at, tenant, id LIMIT ?3";
// Keyset pagination along the audit table's primary key.
inline constexpr char scan_audit_sql[] =
    "SELECT " PAYINTENT_SQL_AUDIT_COLUMNS
    " FROM audit WHERE (tenant, intent_id, sequence) > (?1, ?2, ?3) "
    "ORDER BY tenant, intent_id, sequence LIMIT ?4";
inline constexpr char select_keys_of_intent_sql[] =
    "SELECT " PAYINTENT_SQL_KEY_COLUMNS
    " FROM idempotency_keys WHERE tenant = ?1 AND "
    "result_intent = ?2 ORDER BY created_at, \"key\"";
inline constexpr char count_intents_sql[] =
    "SELECT status, COUNT(*) FROM intents GROUP BY status ORDER BY status";
inline constexpr char count_unresolved_sql[] =
    "SELECT COUNT(*) FROM attempts WHERE state = 1 OR state = 5 OR state = 6";
inline constexpr char count_keys_sql[] =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN expires_at <= ?1 THEN 1 ELSE 0 END), 0) "
    "FROM idempotency_keys";
inline constexpr char count_audit_sql[] = "SELECT COUNT(*) FROM audit";

template <class Connection>
result<std::vector<payment_intent>> select_by_status(Connection& conn, intent_status status,
                                                     const tenant_id& tenant, std::size_t limit) {
  std::vector<payment_intent> out;
  BOOST_OUTCOME_TRY(for_each_row<select_by_status_sql>(
      conn,
      [&](auto& b) {
        add_all(b, static_cast<std::int64_t>(status), std::string_view(tenant.str()),
                as_limit(limit));
      },
      [&](const auto& row) -> result<void> {
        BOOST_OUTCOME_TRY(auto intent, read_intent(row));
        out.push_back(std::move(intent));
        return outcome::success();
      }));
  return out;
}

template <class Connection>
result<std::vector<key_record>> select_keys_of_intent(Connection& conn, const tenant_id& tenant,
                                                      const intent_id& id) {
  std::vector<key_record> out;
  BOOST_OUTCOME_TRY(for_each_row<select_keys_of_intent_sql>(
      conn,
      [&](auto& b) { add_all(b, std::string_view(tenant.str()), std::string_view(id.str())); },
      [&](const auto& row) -> result<void> {
        BOOST_OUTCOME_TRY(auto key, read_key(row));
        out.push_back(std::move(key));
        return outcome::success();
      }));
  return out;
}

template <class Connection>
result<std::vector<audit_entry>> select_audit_page(Connection& conn, const audit_position& after,
                                                   std::size_t limit) {
  std::vector<audit_entry> out;
  BOOST_OUTCOME_TRY(for_each_row<scan_audit_sql>(
      conn,
      [&](auto& b) {
        add_all(b, std::string_view(after.tenant.str()), std::string_view(after.intent.str()),
                to_i64(after.sequence), as_limit(limit));
      },
      [&](const auto& row) -> result<void> {
        out.push_back(read_audit(row));
        return outcome::success();
      }));
  return out;
}

template <class Connection>
result<store_counts> select_counts(Connection& conn, std::int64_t now) {
  store_counts counts;
  counts.now_ms = now;
  auto no_parameters = [](auto&) {};
  BOOST_OUTCOME_TRY(
      for_each_row<count_intents_sql>(conn, no_parameters, [&](const auto& row) -> result<void> {
        // A status this build does not know is counted under its number.
        counts.intents[static_cast<intent_status>(row.int_at(0))] =
            static_cast<std::uint64_t>(row.int_at(1));
        return outcome::success();
      }));
  auto one_count = [](std::uint64_t& into) {
    return [&into](const auto& row) -> result<void> {
      into = static_cast<std::uint64_t>(row.int_at(0));
      return outcome::success();
    };
  };
  BOOST_OUTCOME_TRY(for_each_row<count_unresolved_sql>(conn, no_parameters,
                                                       one_count(counts.unresolved_attempts)));
  BOOST_OUTCOME_TRY(for_each_row<count_keys_sql>(
      conn, [&](auto& b) { b.add(now); },
      [&](const auto& row) -> result<void> {
        counts.keys = static_cast<std::uint64_t>(row.int_at(0));
        counts.keys_expired = static_cast<std::uint64_t>(row.int_at(1));
        return outcome::success();
      }));
  BOOST_OUTCOME_TRY(
      for_each_row<count_audit_sql>(conn, no_parameters, one_count(counts.audit_entries)));
  return counts;
}

}  // namespace payintent::adapter_detail
