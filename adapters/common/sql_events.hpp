// The event outbox (events.hpp) for both SQL stores, written once: the
// statements, how an event's snapshot is kept (a JSON array of the intent's
// and the attempt's column values, through the same binders and readers as
// their tables, so a snapshot cannot drift from a row), and the reads and
// cursor writes over each store's for_each_row (sql_operator_queries.hpp).
// Each store inserts its events in its write path and numbers them its own
// way (docs/adapters.md, docs/postgres.md "Events"). Private to the adapters
// (header-only, not installed); the including adapter links Boost::json.
#pragma once

#include "sql_codec.hpp"

#include "payintent/events.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#define PAYINTENT_SQL_EVENT_COLUMNS "sequence, id, type, tenant, intent_id, created_at, snapshot"

namespace payintent::adapter_detail {

inline constexpr char select_events_sql[] =
    "SELECT " PAYINTENT_SQL_EVENT_COLUMNS
    " FROM events WHERE sequence > ?1 AND (?2 = '' OR tenant = ?2) AND (?3 = '' OR type = ?3) "
    "AND (?5 = '' OR id = ?5) ORDER BY sequence LIMIT ?4";
inline constexpr char select_consumer_sql[] =
    "SELECT position FROM event_consumers WHERE name = ?1";
// A cursor never moves back.
inline constexpr char acknowledge_sql[] =
    "INSERT INTO event_consumers (name, position, updated_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO UPDATE SET position = CASE WHEN excluded.position > "
    "event_consumers.position THEN excluded.position ELSE event_consumers.position END, "
    "updated_at = excluded.updated_at RETURNING position";
// The oldest first; each deleted row answered, to be counted.
inline constexpr char purge_events_sql[] =
    "DELETE FROM events WHERE sequence IN (SELECT sequence FROM events WHERE created_at < ?1 "
    "AND sequence IS NOT NULL ORDER BY sequence LIMIT ?2) RETURNING sequence";

// A binder and a row over a JSON array, for the snapshot.
struct json_binder {
  boost::json::array& values;
  json_binder& add(std::int64_t v) {
    values.emplace_back(v);
    return *this;
  }
  json_binder& add(std::string_view text) {
    values.emplace_back(boost::json::string(text));
    return *this;
  }
  json_binder& add_null() {
    values.emplace_back(nullptr);
    return *this;
  }
};
struct json_row {
  const boost::json::array& values;
  std::string text_at(int i) const {
    const auto* s = values.at(static_cast<std::size_t>(i)).if_string();
    return s != nullptr ? std::string(*s) : std::string();
  }
  std::int64_t int_at(int i) const {
    const auto* v = values.at(static_cast<std::size_t>(i)).if_int64();
    return v != nullptr ? *v : 0;
  }
  bool is_null(int i) const { return values.at(static_cast<std::size_t>(i)).is_null(); }
};

// [[intent columns], [attempt columns]] or [[intent columns]]. May throw.
inline std::string encode_snapshot(const event_record& e) {
  boost::json::array out;
  boost::json::array intent;
  bind_intent(json_binder{intent}, e.snapshot, e.snapshot.version, e.snapshot.created_at_ms,
              e.snapshot.updated_at_ms);
  out.emplace_back(std::move(intent));
  if (e.attempt) {
    boost::json::array a;
    bind_attempt(json_binder{a}, e.tenant, e.intent, *e.attempt);
    out.emplace_back(std::move(a));
  }
  return boost::json::serialize(out);
}

// Reads encode_snapshot's text into `e`; storage_corrupt when it is not one.
inline result<void> decode_snapshot(std::string_view text, event_record& e) {
  try {
    boost::json::error_code ec;
    const auto value = boost::json::parse(text, ec);
    const auto* parts = ec ? nullptr : value.if_array();
    if (parts == nullptr || parts->empty() || parts->size() > 2) return errc::storage_corrupt;
    const auto* intent = (*parts)[0].if_array();
    if (intent == nullptr || intent->size() != 20) return errc::storage_corrupt;
    BOOST_OUTCOME_TRY(e.snapshot, read_intent(json_row{*intent}));
    if (parts->size() == 2) {
      const auto* a = (*parts)[1].if_array();
      if (a == nullptr || a->size() != 16) return errc::storage_corrupt;
      BOOST_OUTCOME_TRY(e.attempt, read_attempt(json_row{*a}));
    }
    return outcome::success();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (...) {
    return errc::storage_corrupt;
  }
}

// The values of an event's INSERT, after its sequence (which the store
// gives: SQLite its rowid, PostgreSQL a number at commit): id, type, tenant,
// intent_id, created_at, snapshot.
template <class Binder>
void bind_event(Binder&& b, const event_record& e, const std::string& snapshot) {
  add_all(b, std::string_view(e.id), std::string_view(e.type), std::string_view(e.tenant.str()),
          std::string_view(e.intent.str()), e.created_at_ms, std::string_view(snapshot));
}

template <class Row>
result<event_record> read_event(const Row& row) {
  event_record e;
  e.sequence = static_cast<std::uint64_t>(row.int_at(0));
  e.id = row.text_at(1);
  e.type = row.text_at(2);
  e.tenant = tenant_id(row.text_at(3));
  e.intent = intent_id(row.text_at(4));
  e.created_at_ms = row.int_at(5);
  BOOST_OUTCOME_TRY(decode_snapshot(row.text_at(6), e));
  return e;
}

template <class Connection>
result<std::vector<event_record>> select_events(Connection& conn, const event_query& q) {
  std::vector<event_record> out;
  BOOST_OUTCOME_TRY(for_each_row<select_events_sql>(
      conn,
      [&](auto& b) {
        add_all(b, to_i64(q.after), std::string_view(q.tenant.str()), std::string_view(q.type),
                as_limit(q.limit), std::string_view(q.id));
      },
      [&](const auto& row) -> result<void> {
        BOOST_OUTCOME_TRY(auto e, read_event(row));
        out.push_back(std::move(e));
        return outcome::success();
      }));
  return out;
}

// The first column of statement `Text`'s one row (bound by `bind`), or 0
// when it answers none.
template <const auto& Text, class Connection, class Bind>
result<std::uint64_t> single_position(Connection& conn, Bind&& bind) {
  std::uint64_t position = 0;
  BOOST_OUTCOME_TRY(for_each_row<Text>(conn, bind, [&](const auto& row) -> result<void> {
    position = static_cast<std::uint64_t>(row.int_at(0));
    return outcome::success();
  }));
  return position;
}

template <class Connection>
result<std::uint64_t> select_consumer_position(Connection& conn, std::string_view name) {
  return single_position<select_consumer_sql>(conn, [&](auto& b) { b.add(name); });
}

template <class Connection>
result<std::uint64_t> upsert_consumer_position(Connection& conn, std::string_view name,
                                               std::uint64_t position, std::int64_t now_ms) {
  return single_position<acknowledge_sql>(
      conn, [&](auto& b) { add_all(b, name, to_i64(position), now_ms); });
}

template <class Connection>
result<std::size_t> delete_old_events(Connection& conn, std::int64_t created_before_ms,
                                      std::size_t limit) {
  std::size_t deleted = 0;
  BOOST_OUTCOME_TRY(for_each_row<purge_events_sql>(
      conn, [&](auto& b) { add_all(b, created_before_ms, as_limit(limit)); },
      [&](const auto&) -> result<void> {
        ++deleted;
        return outcome::success();
      }));
  return deleted;
}

}  // namespace payintent::adapter_detail
