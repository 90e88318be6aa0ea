#include "write.hpp"

#include "codec.hpp"
#include "payintent/store_kit.hpp"
#include "sql_statements.hpp"

#include <optional>

namespace payintent::sqlite_detail {
namespace {

constexpr const char* update_intent_sql = PAYINTENT_SQL_UPDATE_INTENT;
constexpr const char* update_attempt_sql = PAYINTENT_SQL_UPDATE_ATTEMPT;

constexpr const char* select_version_sql =
    "SELECT version FROM intents WHERE tenant = ?1 AND id = ?2";
constexpr const char* insert_audit_sql = "INSERT INTO audit (" PAYINTENT_SQL_AUDIT_COLUMNS
                                         ") VALUES (" PAYINTENT_SQL_AUDIT_PARAMS("?") ")";
// Answers a row when the key was free and is now this claim's; none when
// it was taken.
constexpr const char* insert_key_sql =
    "INSERT INTO idempotency_keys (" PAYINTENT_SQL_KEY_COLUMNS
    ") VALUES (" PAYINTENT_SQL_KEY_PARAMS("?") ") ON CONFLICT DO NOTHING RETURNING 1";

result<std::optional<std::uint64_t>> current_version(connection& conn, const payment_intent& i) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(select_version_sql));
  stmt.bind(1, i.tenant.str()).bind(2, i.id.str());
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  if (!row) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{static_cast<std::uint64_t>(stmt.int_at(0))};
}

result<std::optional<attempt>> current_attempt(connection& conn, const payment_intent& i,
                                               int number) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::select_attempt_sql));
  stmt.bind(1, i.tenant.str()).bind(2, i.id.str()).bind(3, std::int64_t{number});
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  if (!row) return std::optional<attempt>{};
  BOOST_OUTCOME_TRY(auto value, adapter_detail::read_attempt(stmt));
  return std::optional<attempt>{std::move(value)};
}

result<int> attempt_count(connection& conn, const payment_intent& i) {
  BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::count_attempts_sql));
  stmt.bind(1, i.tenant.str()).bind(2, i.id.str());
  BOOST_OUTCOME_TRY(auto row, stmt.step());
  return row ? static_cast<int>(stmt.int_at(0)) : 0;
}

result<void> append_audit(connection& conn, const intent_write& w, std::int64_t now_ms) {
  if (w.audit.empty()) return outcome::success();
  std::optional<audit_entry> previous;
  if (!store_kit::creates_intent(w)) {
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(adapter_detail::last_audit_sql));
    stmt.bind(1, w.intent.tenant.str()).bind(2, w.intent.id.str());
    BOOST_OUTCOME_TRY(auto row, stmt.step());
    if (row) previous = adapter_detail::read_audit(stmt);
  }
  for (const auto& event : w.audit) {
    auto entry = store_kit::seal_audit(w, event, previous ? &*previous : nullptr, now_ms);
    BOOST_OUTCOME_TRY(auto stmt, conn.prepare(insert_audit_sql));
    adapter_detail::bind_audit(parameters(stmt), entry);
    BOOST_OUTCOME_TRY(stmt.run());
    previous = std::move(entry);
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
  std::optional<attempt> fenced;
  if (!creates) {
    BOOST_OUTCOME_TRY(read.version, current_version(conn, w.intent));
  }
  if (read.version && store_kit::writes_fenced_attempt(w)) {
    BOOST_OUTCOME_TRY(fenced, current_attempt(conn, w.intent, w.attempt->value.number));
    read.fenced_attempt = fenced ? &*fenced : nullptr;
  } else if (read.version == w.expected_version && store_kit::adds_attempt(w)) {
    BOOST_OUTCOME_TRY(read.attempt_count, attempt_count(conn, w.intent));
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
    BOOST_OUTCOME_TRY(auto inserted, stmt.step());
    if (!inserted) {
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
