#include "write.hpp"

#include "codec.hpp"
#include "payintent/event_kit.hpp"
#include "payintent/store_kit.hpp"
#include "sql_events.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace payintent::postgres_detail {
namespace {

// The shared updates, naming created_at ($17 / $12, kept) only so that its
// type is known when the statement is prepared.
constexpr auto update_intent_sql =
    adapter_detail::with_marker<'$'>(PAYINTENT_SQL_UPDATE_INTENT " AND ?17::bigint IS NOT NULL");
constexpr auto update_attempt_sql =
    adapter_detail::with_marker<'$'>(PAYINTENT_SQL_UPDATE_ATTEMPT " AND ?12::bigint IS NOT NULL");

constexpr const char* lock_intent_sql =
    "SELECT version FROM intents WHERE tenant = $1 AND id = $2 FOR UPDATE";
// A write's audit entries go in one INSERT of up to this many rows: one
// statement instead of one per entry (a charge writes five).
constexpr std::size_t audit_rows_per_insert = 4;
constexpr std::size_t audit_columns = 13;

// The INSERT of `rows` audit entries (1 <= rows <= audit_rows_per_insert),
// built once; its text lives as long as the process, as prepared
// statements' keys must.
const char* insert_audit_sql(std::size_t rows) {
  static const auto texts = [] {
    std::array<std::string, audit_rows_per_insert> out;
    for (std::size_t n = 1; n <= audit_rows_per_insert; ++n) {
      std::string sql = "INSERT INTO audit (" PAYINTENT_SQL_AUDIT_COLUMNS ") VALUES ";
      for (std::size_t row = 0; row < n; ++row) {
        sql += row == 0 ? "(" : ", (";
        for (std::size_t col = 1; col <= audit_columns; ++col) {
          sql += fmt::format("{}${}", col == 1 ? "" : ", ", row * audit_columns + col);
        }
        sql += ")";
      }
      out[n - 1] = std::move(sql);
    }
    return out;
  }();
  return texts[rows - 1].c_str();
}
constexpr const char* insert_key_sql =
    "INSERT INTO idempotency_keys (" PAYINTENT_SQL_KEY_COLUMNS
    ") VALUES (" PAYINTENT_SQL_KEY_PARAMS("$") ") ON CONFLICT (tenant, key) DO NOTHING";

params key_of(const payment_intent& i) {
  return params().add(i.tenant.str()).add(i.id.str());
}

// What a write's checks read, all in one round trip after the row lock.
struct write_reads {
  std::optional<std::uint64_t> version;  // none: no such intent
  std::optional<attempt> current;        // the attempt a fenced write replaces
  int attempt_count = 0;                 // the highest attempt number
  std::optional<audit_entry> previous;   // the newest audit entry
};

// Appends the reads `w`'s checks need (the attempt only for a fenced write,
// the attempt count only for a new one: store_kit), the intent's
// row lock first: READ COMMITTED runs each statement after the lock is
// granted, so every read sees the latest commit.
void add_reads(std::vector<connection::batched>& batch, const intent_write& w) {
  batch.push_back({lock_intent_sql, key_of(w.intent)});
  if (store_kit::writes_fenced_attempt(w)) {
    batch.push_back({pg_sql<adapter_detail::select_attempt_sql>,
                     key_of(w.intent).add(std::int64_t{w.attempt->value.number})});
  } else if (store_kit::adds_attempt(w)) {
    batch.push_back({pg_sql<adapter_detail::count_attempts_sql>, key_of(w.intent)});
  }
  if (!w.audit.empty()) batch.push_back({pg_sql<adapter_detail::last_audit_sql>, key_of(w.intent)});
}

// Reads add_reads' answers, from `r[at]` on.
result<write_reads> parse_reads(const std::vector<rows>& r, std::size_t at, const intent_write& w) {
  write_reads out;
  if (r[at].size() > 0) out.version = static_cast<std::uint64_t>(r[at].int_at(0, 0));
  ++at;
  if (store_kit::writes_fenced_attempt(w)) {
    if (r[at].size() > 0) {
      BOOST_OUTCOME_TRY(out.current, adapter_detail::read_attempt(row_view{r[at], 0}));
    }
    ++at;
  } else if (store_kit::adds_attempt(w)) {
    out.attempt_count = r[at].size() == 1 ? static_cast<int>(r[at].int_at(0, 0)) : 0;
    ++at;
  }
  if (!w.audit.empty() && r[at].size() > 0)
    out.previous = adapter_detail::read_audit(row_view{r[at], 0});
  return out;
}

// Checks `w` against what was read and, if every rule holds, appends its
// rows to `batch` and its events to `events` (inserted at commit:
// transaction.cpp).
result<write_receipt> add_rows(std::vector<connection::batched>& batch, std::vector<params>& events,
                               const intent_write& w, write_reads read, std::int64_t now_ms) {
  const store_kit::stored_intent stored{read.version, read.current ? &*read.current : nullptr,
                                        read.attempt_count};
  BOOST_OUTCOME_TRY(const auto checked, store_kit::check_write(w, stored, now_ms));

  batch.push_back(
      {read.version ? update_intent_sql.c_str() : pg_sql<adapter_detail::insert_intent_sql>, {}});
  adapter_detail::bind_intent(batch.back().values, w.intent, checked.receipt.version, now_ms,
                              now_ms);
  if (checked.attempt_row) {
    batch.push_back({checked.replaces_attempt ? update_attempt_sql.c_str()
                                              : pg_sql<adapter_detail::insert_attempt_sql>,
                     {}});
    adapter_detail::bind_attempt(batch.back().values, w.intent.tenant, w.intent.id,
                                 *checked.attempt_row);
  }
  auto& previous = read.previous;
  for (std::size_t i = 0; i < w.audit.size(); ++i) {
    if (i % audit_rows_per_insert == 0) {
      batch.push_back({insert_audit_sql(std::min(audit_rows_per_insert, w.audit.size() - i)), {}});
    }
    auto entry = store_kit::seal_audit(w, w.audit[i], previous ? &*previous : nullptr, now_ms);
    adapter_detail::bind_audit(batch.back().values, entry);
    previous = std::move(entry);
  }
  for (const auto& e : store_kit::events_of(w, checked)) {
    adapter_detail::bind_event(events.emplace_back(), e, adapter_detail::encode_snapshot(e));
  }
  return checked.receipt;
}

// The existing key of a claim that found it taken. DO NOTHING waited for the
// holder's transaction, and in READ COMMITTED this new statement sees its
// commit.
result<claim_result> taken_key(connection& conn, const claim_request& request) {
  BOOST_OUTCOME_TRY(auto existing,
                    conn.query(pg_sql<adapter_detail::select_key_sql>,
                               params().add(request.key.tenant.str()).add(request.key.key.str())));
  if (existing.size() == 0) return errc::busy;  // purged in between: run the claim again
  claim_result out;
  BOOST_OUTCOME_TRY(out.existing, adapter_detail::read_key(row_view{existing, 0}));
  out.status = out.existing.fingerprint == request.key.fingerprint ? claim_status::replay
                                                                   : claim_status::mismatch;
  return out;
}

// A claim whose write creates its intent, in one round trip: the key and
// the intent's rows, inside a savepoint of its own that is rolled back if
// the key turns out to be taken.
result<claim_result> claim_new_intent(connection& conn, const claim_request& request, params key,
                                      std::int64_t now_ms) {
  std::vector<connection::batched> batch;
  batch.push_back({"SAVEPOINT claim_rows", {}});
  batch.push_back({insert_key_sql, std::move(key)});
  auto& events = conn.unnumbered_events();
  const std::size_t events_before = events.size();
  BOOST_OUTCOME_TRY(auto receipt, add_rows(batch, events, *request.write, {}, now_ms));
  std::vector<rows> before_failure;
  auto r = conn.pipeline(batch, &before_failure);
  // The key is checked before the write's preconditions: a taken key
  // answers replay or mismatch even when the intent's rows then failed (a
  // retry naming the intent the first claim created).
  const auto& answered = r ? r.value() : before_failure;
  if (answered.size() > 1 && answered[1].affected() == 0) {
    events.resize(events_before);
    conn.defer("ROLLBACK TO SAVEPOINT claim_rows");
    conn.defer("RELEASE SAVEPOINT claim_rows");
    return taken_key(conn, request);
  }
  if (!r) return r.error();
  conn.defer("RELEASE SAVEPOINT claim_rows");
  claim_result out;
  out.status = claim_status::claimed;
  out.receipt = receipt;
  return out;
}

}  // namespace

// A write creating its intent reads nothing (store_kit::creates_intent): an
// existing row makes the INSERT of the intent fail on its key (23505:
// version_conflict). Its rows go out in its first round trip.
result<write_receipt> apply_write(connection& conn, const intent_write& w, std::int64_t now_ms) {
  std::vector<connection::batched> batch;
  write_reads read;
  if (!store_kit::creates_intent(w)) {
    add_reads(batch, w);
    BOOST_OUTCOME_TRY(auto r, conn.pipeline(batch));
    BOOST_OUTCOME_TRY(read, parse_reads(r, 0, w));
    batch.clear();
  }
  BOOST_OUTCOME_TRY(auto receipt,
                    add_rows(batch, conn.unnumbered_events(), w, std::move(read), now_ms));
  BOOST_OUTCOME_TRY(conn.pipeline(batch));
  return receipt;
}

result<claim_result> apply_claim(connection& conn, const claim_request& request,
                                 std::int64_t now_ms) {
  key_record key = request.key;
  key.created_at_ms = now_ms;
  key.expires_at_ms = now_ms + request.retention_ms;
  params key_values;
  adapter_detail::bind_key(key_values, key);
  if (request.write && store_kit::creates_intent(*request.write)) {
    return claim_new_intent(conn, request, std::move(key_values), now_ms);
  }
  // The key, and the reads of the write it guards, in one round trip; the
  // reads are wasted when the key is taken.
  std::vector<connection::batched> batch;
  batch.push_back({insert_key_sql, std::move(key_values)});
  if (request.write) add_reads(batch, *request.write);
  BOOST_OUTCOME_TRY(auto r, conn.pipeline(batch));
  if (r[0].affected() == 0) return taken_key(conn, request);
  claim_result out;
  if (request.write) {
    BOOST_OUTCOME_TRY(auto read, parse_reads(r, 1, *request.write));
    batch.clear();
    BOOST_OUTCOME_TRY(out.receipt, add_rows(batch, conn.unnumbered_events(), *request.write,
                                            std::move(read), now_ms));
    BOOST_OUTCOME_TRY(conn.pipeline(batch));
  }
  out.status = claim_status::claimed;
  return out;
}

}  // namespace payintent::postgres_detail
