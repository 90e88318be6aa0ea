#include "staged_group.hpp"

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace payintent::postgres_detail {
namespace {

constexpr const char* savepoint_sql = "SAVEPOINT member";
constexpr const char* release_sql = "RELEASE SAVEPOINT member";
constexpr const char* rollback_to_sql = "ROLLBACK TO SAVEPOINT member";

struct running {
  group_member* member = nullptr;
  connection::script script;
  std::optional<std::int64_t> now;
  int busy_tries = 0;
  bool changed_rows = false;  // an answered round trip inserted, updated or deleted
  bool done = false;
};

// Where a member's round trip sits in the group's pipeline: its SAVEPOINT
// at `first - 1`, its statements from `first`, its RELEASE at `first + count`.
struct segment {
  running* member;
  std::size_t first;
  std::size_t count;
};

bool changes_rows(const rows& r) noexcept {
  const auto tag = r.command();
  const bool writes =
      tag.starts_with("INSERT") || tag.starts_with("UPDATE") || tag.starts_with("DELETE");
  return writes && r.affected() > 0;
}

// May `all[i]` run now: has every earlier member whose footprint overlaps
// its own finished?
bool may_run(const std::vector<running>& all, std::size_t i) noexcept {
  for (std::size_t j = 0; j < i; ++j) {
    if (!all[j].done && all[j].member->footprint.overlaps(all[i].member->footprint)) return false;
  }
  return true;
}

class staged_run {
 public:
  staged_run(connection& conn, std::span<group_member*> members, const staged_group& how)
      : conn_(conn), how_(how), all_(members.size()) {
    for (std::size_t i = 0; i < members.size(); ++i) all_[i].member = members[i];
  }

  result<void> run() {
    for (;;) {
      std::vector<connection::batched> batch;
      std::vector<segment> segments;
      bool running_any = false;
      bool backoff = false;
      for (std::size_t i = 0; i < all_.size(); ++i) {
        running& r = all_[i];
        if (r.done || !may_run(all_, i)) continue;
        running_any = true;
        BOOST_OUTCOME_TRY(step(r, batch, segments, backoff));
      }
      if (!running_any) return outcome::success();
      if (backoff) adapter_detail::sleep_before_retry(retry_round_++, how_.policy.backoff);
      if (!segments.empty()) {
        BOOST_OUTCOME_TRY(send(batch, segments));
      }
    }
  }

 private:
  // Runs r's body from the start: it either waits on a round trip (added
  // to `batch` as a segment) or returns, and is answered.
  result<void> step(running& r, std::vector<connection::batched>& batch,
                    std::vector<segment>& segments, bool& backoff) {
    if (!r.now) {
      BOOST_OUTCOME_TRY(r.now, how_.now());
    }
    r.script.asked = 0;
    r.script.waiting.reset();
    r.script.events.clear();
    conn_.follow(&r.script);
    const auto out = r.member->apply(conn_, *r.now);
    conn_.follow(nullptr);
    if (r.script.waiting) {
      batch.push_back({savepoint_sql, {}});
      const std::size_t first = batch.size();
      for (auto& b : *r.script.waiting) batch.push_back(std::move(b));
      segments.push_back({&r, first, batch.size() - first});
      batch.push_back({release_sql, {}});
      return outcome::success();
    }
    if (out) {
      r.member->answer = {};
      auto& queued = conn_.unnumbered_events();
      for (auto& e : r.script.events) queued.push_back(std::move(e));
      return finish(r);
    }
    if (r.changed_rows) return errc::store_unavailable;  // see the header: never left behind
    if (out.error() == errc::busy && r.busy_tries < how_.policy.max_retries) {
      ++r.busy_tries;
      r.script.answers.clear();
      backoff = true;
      return outcome::success();
    }
    r.member->answer = out.error();
    return finish(r);
  }

  result<void> finish(running& r) {
    r.done = true;
    r.script = {};
    if (how_.member_done) how_.member_done();
    return outcome::success();
  }

  // Sends the segments' round trips in one pipeline and hands out the
  // answers.
  result<void> send(const std::vector<connection::batched>& batch,
                    const std::vector<segment>& segments) {
    std::vector<rows> before;
    auto sent = conn_.pipeline(batch, &before);
    if (!sent && (conn_.broken() || conn_.needs_new_transaction())) return sent.error();
    const std::vector<rows>& answered = sent ? sent.value() : before;
    for (const segment& s : segments) {
      if (s.first + s.count < answered.size()) {  // its RELEASE answered too
        std::vector<rows> own(answered.begin() + static_cast<std::ptrdiff_t>(s.first),
                              answered.begin() + static_cast<std::ptrdiff_t>(s.first + s.count));
        for (const auto& r : own)
          s.member->changed_rows = s.member->changed_rows || changes_rows(r);
        s.member->script.answers.push_back({std::move(own), {}});
        continue;
      }
      // The failure is in this segment (the ones before it were answered
      // whole); the ones after it did not run, and send theirs again.
      const std::size_t failed_at = answered.size();
      if (failed_at < s.first || failed_at >= s.first + s.count) {
        // Its SAVEPOINT or RELEASE failed (or a deferred statement before
        // the pipeline): the transaction is not one to go on with.
        return sent.error();
      }
      std::vector<rows> own(answered.begin() + static_cast<std::ptrdiff_t>(s.first),
                            answered.end());
      s.member->script.answers.push_back({sent.error(), std::move(own)});
      conn_.defer(rollback_to_sql);
      conn_.defer(release_sql);
      break;
    }
    return outcome::success();
  }

  connection& conn_;
  const staged_group& how_;
  std::vector<running> all_;
  int retry_round_ = 0;
};

}  // namespace

result<void> run_staged(connection& conn, std::span<group_member*> members,
                        const staged_group& how) noexcept {
  try {
    staged_run run(conn, members, how);
    auto out = run.run();
    conn.follow(nullptr);
    return out;
  } catch (...) {
    conn.follow(nullptr);
    return errc::store_unavailable;
  }
}

}  // namespace payintent::postgres_detail
