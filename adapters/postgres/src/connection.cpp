#include "connection.hpp"

#include <libpq-fe.h>

#include <poll.h>

#include <charconv>
#include <iterator>
#include <utility>

namespace payintent::postgres_detail {

error_code map_sqlstate(std::string_view s) noexcept {
  if (s == "40001" || s == "40P01" || s == "55P03" || s == "57014" || s == "53300") {
    return errc::busy;
  }
  if (s == "23505") return errc::version_conflict;
  if (s == "53100") return errc::storage_full;
  if (s == "25006") return errc::storage_read_only;
  if (s == "XX001" || s == "XX002") return errc::storage_corrupt;
  return errc::store_unavailable;
}

params& params::add(std::int64_t value) {
  values_.push_back(std::to_string(value));
  null_.push_back(false);
  return *this;
}

params& params::add(std::string_view text) {
  values_.emplace_back(text);
  null_.push_back(false);
  return *this;
}

params& params::add_null() {
  values_.emplace_back();
  null_.push_back(true);
  return *this;
}

params& params::append(params&& more) {
  values_.insert(values_.end(), std::make_move_iterator(more.values_.begin()),
                 std::make_move_iterator(more.values_.end()));
  null_.insert(null_.end(), more.null_.begin(), more.null_.end());
  return *this;
}

const char* const* params::values() const {
  pointers_.clear();
  for (std::size_t i = 0; i < values_.size(); ++i) {
    pointers_.push_back(null_[i] ? nullptr : values_[i].c_str());
  }
  return pointers_.data();
}

rows::rows(PGresult* res) : res_(res, PQclear) {
}

int rows::size() const noexcept {
  return PQntuples(res_.get());
}

std::int64_t rows::affected() const noexcept {
  std::int64_t n = 0;
  const char* text = PQcmdTuples(res_.get());
  std::from_chars(text, text + std::char_traits<char>::length(text), n);
  return n;
}

std::string_view rows::command() const noexcept {
  const char* tag = PQcmdStatus(res_.get());
  return tag != nullptr ? std::string_view(tag) : std::string_view();
}

std::string rows::text_at(int row, int column) const {
  return std::string(PQgetvalue(res_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(res_.get(), row, column)));
}

std::int64_t rows::int_at(int row, int column) const noexcept {
  const char* text = PQgetvalue(res_.get(), row, column);
  std::int64_t value = 0;
  std::from_chars(text, text + PQgetlength(res_.get(), row, column), value);
  return value;
}

bool rows::is_null(int row, int column) const noexcept {
  return PQgetisnull(res_.get(), row, column) != 0;
}

result<std::unique_ptr<connection>> connection::open(const std::string& conninfo, statements how,
                                                     std::string* why) noexcept {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return errc::store_unavailable;
  if (PQstatus(conn) != CONNECTION_OK) {
    if (why != nullptr) {
      try {
        *why = PQerrorMessage(conn);
        while (!why->empty() && why->back() == '\n') why->pop_back();
      } catch (...) {
      }
    }
    PQfinish(conn);
    return errc::store_unavailable;
  }
  // A library must not write to stderr ("relation already exists, skipping").
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  try {
    return std::unique_ptr<connection>(new connection(conn, how));
  } catch (...) {
    PQfinish(conn);
    return errc::store_unavailable;
  }
}

connection::~connection() {
  PQfinish(conn_);
}

bool connection::broken() const noexcept {
  return poisoned_ || PQstatus(conn_) != CONNECTION_OK;
}

bool connection::alive() noexcept {
  // A closing server sends its reason, then the end of the stream: each read
  // takes what is there, so read while the socket has more (a few times at
  // most: an idle connection has nothing).
  for (int reads = 0; reads < 4 && !broken(); ++reads) {
    pollfd pending{PQsocket(conn_), POLLIN, 0};
    if (::poll(&pending, 1, 0) <= 0) break;
    if (PQconsumeInput(conn_) != 1) return false;
  }
  return !broken();
}

const std::string& connection::name_for(const char* sql, std::string& fresh_name, bool& fresh) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) {
    fresh = false;
    return it->second;
  }
  fresh = true;
  fresh_name = "payintent_" + std::to_string(++names_);
  return fresh_name;
}

result<std::vector<rows>> connection::pipeline(const std::vector<batched>& batch,
                                               std::vector<rows>* before_failure) noexcept {
  try {
    if (script_ != nullptr) return from_script(batch, before_failure);
    std::vector<rows> out;
    out.reserve(batch.size());
    if (PQenterPipelineMode(conn_) != 1) return errc::store_unavailable;
    std::vector<std::pair<const char*, std::string>> prepared_now;
    // Per command sent, in order: the index of its statement's rows, or -1
    // (a deferred statement, a prepare).
    std::vector<int> answers;
    bool sent = true;
    for (const char* sql : deferred_) {
      sent = sent && PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
      answers.push_back(-1);
    }
    deferred_.clear();
    for (const auto& b : batch) sent = sent && send(b, answers, prepared_now);
    sent = sent && PQpipelineSync(conn_) == 1;
    if (!sent) {
      poisoned_ = true;
      return errc::store_unavailable;
    }
    // Each command yields its result, then NULL; an aborted pipeline answers
    // PGRES_PIPELINE_ABORTED for the commands after a failure.
    error_code first;
    for (std::size_t i = 0; i < answers.size() && !poisoned_; ++i) {
      PGresult* res = PQgetResult(conn_);
      if (res == nullptr) {
        poisoned_ = true;
        break;
      }
      if (!first && PQresultStatus(res) != PGRES_PIPELINE_ABORTED) {
        auto r = check(res);  // frees it
        if (!r) {
          first = r.error();
        } else if (answers[i] >= 0) {
          out.push_back(std::move(r).value());
        }
      } else {
        PQclear(res);
      }
      while ((res = PQgetResult(conn_)) != nullptr) PQclear(res);
    }
    if (!poisoned_) {
      PGresult* sync = PQgetResult(conn_);
      poisoned_ = PQresultStatus(sync) != PGRES_PIPELINE_SYNC;
      PQclear(sync);
      poisoned_ = poisoned_ || PQexitPipelineMode(conn_) != 1;
    }
    if (poisoned_) return errc::store_unavailable;
    if (first) {
      if (before_failure != nullptr) *before_failure = std::move(out);
      return first;
    }
    for (auto& [sql, name] : prepared_now) prepared_.emplace(sql, std::move(name));
    return out;
  } catch (...) {
    poisoned_ = true;
    return errc::store_unavailable;
  }
}

result<std::vector<rows>> connection::from_script(const std::vector<batched>& batch,
                                                  std::vector<rows>* before_failure) {
  const std::size_t n = script_->asked++;
  if (n < script_->answers.size()) {
    const auto& a = script_->answers[n];
    if (!a.outcome && before_failure != nullptr) *before_failure = a.before_failure;
    return a.outcome;
  }
  if (!script_->waiting) script_->waiting = batch;
  return errc::busy;  // not an answer: the group sends it, then runs the body again
}

bool connection::send(const batched& b, std::vector<int>& answers,
                      std::vector<std::pair<const char*, std::string>>& prepared_now) {
  answers.push_back(static_cast<int>(answers.size()));  // any value >= 0
  if (how_ == statements::unnamed) {
    return PQsendQueryParams(conn_, b.sql, b.values.size(), nullptr, b.values.values(), nullptr,
                             nullptr, 0) == 1;
  }
  std::string fresh_name;
  bool fresh = false;
  const std::string& name = name_for(b.sql, fresh_name, fresh);
  if (fresh) {
    answers.back() = -1;  // the prepare's answer comes first
    if (PQsendPrepare(conn_, name.c_str(), b.sql, 0, nullptr) != 1) return false;
    prepared_now.emplace_back(b.sql, name);
    answers.push_back(static_cast<int>(answers.size()));
  }
  return PQsendQueryPrepared(conn_, name.c_str(), b.values.size(), b.values.values(), nullptr,
                             nullptr, 0) == 1;
}

result<rows> connection::check(PGresult* res) noexcept {
  try {
    rows out(res);  // frees it on every path (the constructor too, if it throws)
    const auto status = PQresultStatus(res);
    if (res != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) return out;
    const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    // No SQLSTATE: libpq itself failed, almost always a lost connection.
    if (state == nullptr) return errc::store_unavailable;
    const std::string_view sqlstate(state);
    conflicted_ = sqlstate == "40001" || sqlstate == "40P01";
    return map_sqlstate(sqlstate);
  } catch (...) {
    return errc::store_unavailable;
  }
}

result<rows> connection::query(const char* sql, const params& p) noexcept {
  try {
    if (!deferred_.empty() || script_ != nullptr) {
      BOOST_OUTCOME_TRY(auto all, pipeline({{sql, p}}));
      return std::move(all.front());
    }
    if (how_ == statements::unnamed) {
      return check(PQexecParams(conn_, sql, p.size(), nullptr, p.values(), nullptr, nullptr, 0));
    }
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = "payintent_" + std::to_string(++names_);
      BOOST_OUTCOME_TRY(check(PQprepare(conn_, name.c_str(), sql, 0, nullptr)));
      it = prepared_.emplace(sql, std::move(name)).first;
    }
    return check(
        PQexecPrepared(conn_, it->second.c_str(), p.size(), p.values(), nullptr, nullptr, 0));
  } catch (...) {
    return errc::store_unavailable;
  }
}

result<rows> connection::exec(const char* sql) noexcept {
  if (script_ != nullptr)
    return errc::not_supported;  // a staged body runs statements with parameters
  if (deferred_.empty()) return check(PQexec(conn_, sql));
  try {
    std::string text;
    for (const char* d : deferred_) text.append(d).append("; ");
    deferred_.clear();
    text.append(sql);
    return check(PQexec(conn_, text.c_str()));
  } catch (...) {
    return errc::store_unavailable;
  }
}

void connection::rollback() noexcept {
  deferred_.clear();
  conflicted_ = false;
  const auto status = PQtransactionStatus(conn_);
  if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace payintent::postgres_detail
