#include "write.hpp"

#include "codec.hpp"
#include "multi_row_insert.hpp"
#include "payintent/event_kit.hpp"
#include "payintent/store_kit.hpp"
#include "sql_events.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
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
// A write's audit entries go in one INSERT (a charge writes five): up to
// four rows a statement.
const auto& insert_audit() {
  static const multi_row_insert<4> statement(
      "INSERT INTO audit (" PAYINTENT_SQL_AUDIT_COLUMNS ") VALUES ", 13);
  return statement;
}

// No ON CONFLICT: a key that exists fails it (23505), undoing the rows sent
// with it.
constexpr const char* insert_key_sql = "INSERT INTO idempotency_keys (" PAYINTENT_SQL_KEY_COLUMNS
                                       ") VALUES (" PAYINTENT_SQL_KEY_PARAMS("$") ")";

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
  const auto& audit_insert = insert_audit();
  constexpr std::size_t rows_per_insert = std::decay_t<decltype(audit_insert)>::max_rows;
  for (std::size_t i = 0; i < w.audit.size(); ++i) {
    if (i % rows_per_insert == 0) {
      batch.push_back({audit_insert.sql(std::min(rows_per_insert, w.audit.size() - i)), {}});
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

// The answer to a claim whose key exists: replay or mismatch.
result<claim_result> existing_key(const rows& found, const claim_request& request) {
  claim_result out;
  BOOST_OUTCOME_TRY(out.existing, adapter_detail::read_key(row_view{found, 0}));
  out.status = out.existing.fingerprint == request.key.fingerprint ? claim_status::replay
                                                                   : claim_status::mismatch;
  return out;
}

// The existing key of a claim whose INSERT found it taken: the INSERT waited
// for the holder's transaction, and in READ COMMITTED this new statement
// sees its commit.
result<claim_result> taken_key(connection& conn, const claim_request& request) {
  BOOST_OUTCOME_TRY(auto existing,
                    conn.query(pg_sql<adapter_detail::select_key_sql>,
                               params().add(request.key.tenant.str()).add(request.key.key.str())));
  if (existing.size() == 0) return errc::busy;  // purged in between: run the claim again
  return existing_key(existing, request);
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
  const auto& w = request.write;
  // The key, and the reads of the write it guards (none for a write that
  // creates its intent), in one round trip; the reads are wasted when the
  // key exists.
  std::vector<connection::batched> batch;
  batch.push_back({pg_sql<adapter_detail::select_key_sql>,
                   params().add(request.key.tenant.str()).add(request.key.key.str())});
  const bool reads = w && !store_kit::creates_intent(*w);
  if (reads) add_reads(batch, *w);
  BOOST_OUTCOME_TRY(auto r, conn.pipeline(batch));
  if (r[0].size() > 0) return existing_key(r[0], request);
  write_reads read;
  if (reads) {
    BOOST_OUTCOME_TRY(read, parse_reads(r, 1, *w));
  }

  // The key and the write's rows in a second. A claim of the same key that
  // another transaction inserted since (committed while this INSERT waited
  // for it) fails the INSERT, and is answered as a key found.
  key_record key = request.key;
  key.created_at_ms = now_ms;
  key.expires_at_ms = now_ms + request.retention_ms;
  batch.clear();
  batch.push_back({insert_key_sql, {}});
  adapter_detail::bind_key(batch.back().values, key);
  auto& events = conn.unnumbered_events();
  const std::size_t events_before = events.size();
  claim_result out;
  if (w) {
    BOOST_OUTCOME_TRY(out.receipt, add_rows(batch, events, *w, std::move(read), now_ms));
  }
  std::vector<rows> before_failure;
  const auto written = conn.pipeline(batch, &before_failure);
  if (!written && written.error() == errc::version_conflict && before_failure.empty()) {
    events.resize(events_before);
    return taken_key(conn, request);
  }
  if (!written) return written.error();
  out.status = claim_status::claimed;
  return out;
}

}  // namespace payintent::postgres_detail
