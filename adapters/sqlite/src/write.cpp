#include "write.hpp"

#include "codec.hpp"
#include "payintent/event_kit.hpp"
#include "payintent/fingerprint.hpp"
#include "payintent/store_kit.hpp"
#include "sql_events.hpp"
#include "sql_statements.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace payintent::sqlite_detail {
namespace {

constexpr const char* update_intent_sql = PAYINTENT_SQL_UPDATE_INTENT;
constexpr const char* update_attempt_sql = PAYINTENT_SQL_UPDATE_ATTEMPT;

constexpr const char* select_version_sql =
    "SELECT version FROM intents WHERE tenant = ?1 AND id = ?2";
// A fenced write's one lookup: the intent's version and what check_write
// needs of attempt ?3 (fence, lease, created_at; NULL: no such attempt).
constexpr const char* select_version_and_fence_sql =
    "SELECT i.version, a.fence, a.lease_expires_at, a.created_at FROM intents AS i "
    "LEFT JOIN attempts AS a ON a.tenant = i.tenant AND a.intent_id = i.id AND a.number = ?3 "
    "WHERE i.tenant = ?1 AND i.id = ?2";
// The newest entry's link, all the next entry's sealing needs of it.
constexpr const char* last_audit_link_sql =
    "SELECT sequence, hash FROM audit WHERE tenant = ?1 AND intent_id = ?2 "
    "ORDER BY sequence DESC LIMIT 1";
constexpr const char* insert_event_sql =
    "INSERT INTO events (id, type, tenant, intent_id, created_at, snapshot) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* insert_audit_sql = "INSERT INTO audit (" PAYINTENT_SQL_AUDIT_COLUMNS
                                         ") VALUES (" PAYINTENT_SQL_AUDIT_PARAMS("?") ")";
// Changes one row when the key was free and is now this claim's; none when
// it was taken. (RETURNING would cost an ephemeral table per run.)
constexpr const char* insert_key_sql =
    "INSERT INTO idempotency_keys (" PAYINTENT_SQL_KEY_COLUMNS
    ") VALUES (" PAYINTENT_SQL_KEY_PARAMS("?") ") ON CONFLICT DO NOTHING";

result<std::optional<std::uint64_t>> current_version(connection& conn, const payment_intent& i) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(select_version_sql));
  stmt.bind(1, i.tenant.str()).bind(2, i.id.str());
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  if (!row) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{static_cast<std::uint64_t>(stmt.int_at(0))};
}

// Reads the version into `read` and attempt `number`'s fence, lease and
// created_at into `held` (pointed to by read.fenced_attempt when it exists).
result<void> current_version_and_fence(connection& conn, const payment_intent& i, int number,
                                       store_kit::stored_intent& read, attempt& held) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(select_version_and_fence_sql));
  stmt.bind(1, i.tenant.str()).bind(2, i.id.str()).bind(3, std::int64_t{number});
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  if (!row) return outcome::success();
  read.version = static_cast<std::uint64_t>(stmt.int_at(0));
  if (stmt.is_null(1)) return outcome::success();
  held.number = number;
  held.fence = static_cast<std::uint64_t>(stmt.int_at(1));
  held.lease_expires_at_ms = stmt.int_at(2);
  held.created_at_ms = stmt.int_at(3);
  read.fenced_attempt = &held;
  return outcome::success();
}

result<int> attempt_count(connection& conn, const payment_intent& i) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::count_attempts_sql));
  stmt.bind(1, i.tenant.str()).bind(2, i.id.str());
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  return row ? static_cast<int>(stmt.int_at(0)) : 0;
}

// Seals each event as a view over the write (store_kit::audit_view): no
// audit_entry records, only the hashes.
result<void> append_audit(connection& conn, const intent_write& w, std::int64_t now_ms) {
  if (w.audit.empty()) return outcome::success();
  std::uint64_t sequence = 0;  // the newest stored entry's; 0: none
  std::string stored_hash;
  std::string_view prev_hash = audit_genesis_hash;
  if (!store_kit::creates_intent(w)) {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(last_audit_link_sql));
    stmt.bind(1, w.intent.tenant.str()).bind(2, w.intent.id.str());
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (row) {
      sequence = static_cast<std::uint64_t>(stmt.int_at(0));
      stored_hash = stmt.text_at(1);
      prev_hash = stored_hash;
    }
  }
  std::array<char, 64> hashes[2];  // this entry's and the previous one's
  for (std::size_t i = 0; i < w.audit.size(); ++i) {
    const auto entry = store_kit::audit_view(w, w.audit[i], ++sequence, prev_hash, now_ms);
    auto& hash = hashes[i % 2];
    hash = to_hex_digits(audit_entry_digest(entry));
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(insert_audit_sql));
    adapter_detail::bind_audit(parameters(stmt), entry, std::string_view(hash.data(), hash.size()));
    BOOST_OUTCOME_TRY(stmt.run());
    prev_hash = std::string_view(hash.data(), hash.size());
  }
  return outcome::success();
}

// The change's events (store_kit::events_of), numbered by their rowid: the
// writer holds the database's one write lock until it commits, so rowid
// order is commit order.
result<void> append_events(connection& conn, const intent_write& w,
                           const store_kit::checked_write& checked) {
  for (const auto& e : store_kit::events_of(w, checked)) {
    const std::string snapshot = adapter_detail::encode_snapshot(e);
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(insert_event_sql));
    adapter_detail::bind_event(parameters(stmt), e, snapshot);
    BOOST_OUTCOME_TRY(stmt.run());
  }
  return outcome::success();
}

}  // namespace

// A write creating its intent reads nothing (store_kit::creates_intent):
// an existing row makes the INSERT of the intent fail on its key
// (SQLITE_CONSTRAINT: version_conflict).
result<write_receipt> apply_write(connection& conn, const intent_write& w, std::int64_t now_ms) {
  const bool creates = store_kit::creates_intent(w);
  store_kit::stored_intent read;
  attempt fenced;  // what check_write reads of the attempt a fenced write replaces
  if (!creates && store_kit::writes_fenced_attempt(w)) {
    BOOST_OUTCOME_TRY(
        current_version_and_fence(conn, w.intent, w.attempt->value.number, read, fenced));
  } else if (!creates) {
    BOOST_OUTCOME_TRY(read.version, current_version(conn, w.intent));
    if (read.version == w.expected_version && store_kit::adds_attempt(w)) {
      BOOST_OUTCOME_TRY(read.attempt_count, attempt_count(conn, w.intent));
    }
  }
  BOOST_OUTCOME_TRY(const auto checked, store_kit::check_write(w, read, now_ms));

  {
    BOOST_OUTCOME_TRY(
        auto stmt, conn.prepare(creates ? adapter_detail::insert_intent_sql : update_intent_sql));
    // created_at kept on update
    adapter_detail::bind_intent(parameters(stmt), w.intent, checked.receipt.version, now_ms,
                                now_ms);
    BOOST_OUTCOME_TRY(stmt.run());
  }
  if (checked.attempt_row) {
    BOOST_OUTCOME_TRY(auto stmt,
                      conn.prepare(checked.replaces_attempt ? update_attempt_sql
                                                            : adapter_detail::insert_attempt_sql));
    adapter_detail::bind_attempt(parameters(stmt), w.intent.tenant, w.intent.id,
                                 *checked.attempt_row);
    BOOST_OUTCOME_TRY(stmt.run());
  }
  BOOST_OUTCOME_TRY(append_audit(conn, w, now_ms));
  BOOST_OUTCOME_TRY(append_events(conn, w, checked));
  return checked.receipt;
}

result<claim_result> apply_claim(connection& conn, const claim_request& request,
                                 std::int64_t now_ms) {
  claim_result out;
  key_record key = request.key;
  key.created_at_ms = now_ms;
  key.expires_at_ms = now_ms + request.retention_ms;
  {
    // The key goes in first, so that a taken key is answered before the
    // write's preconditions; a write that then fails rolls the key back
    // with it (its savepoint).
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(insert_key_sql));
    adapter_detail::bind_key(parameters(stmt), key);
    BOOST_OUTCOME_TRY(stmt.run());
    if (conn.changes() == 0) {
      BOOST_OUTCOME_TRY(auto taken, conn.prepare(adapter_detail::select_key_sql));
      taken.bind(1, request.key.tenant.str()).bind(2, request.key.key.str());
      BOOST_OUTCOME_TRY(auto row, taken.step());
      if (!row) return errc::store_unavailable;  // neither inserted nor there
      BOOST_OUTCOME_TRY(out.existing, adapter_detail::read_key(taken));
      out.status = out.existing.fingerprint == request.key.fingerprint ? claim_status::replay
                                                                       : claim_status::mismatch;
      return out;
    }
  }
  if (request.write) {
    BOOST_OUTCOME_TRY(out.receipt, apply_write(conn, *request.write, now_ms));
  }
  out.status = claim_status::claimed;
  return out;
}

}  // namespace payintent::sqlite_detail
