// One write group (write_group.hpp) run as one transaction of a SQL store:
// BEGIN, each member inside its own savepoint (or bare, for a dialect that
// counts changed rows: see changes() below; or side by side, for a dialect
// that runs them so: apply_members below), COMMIT. Written once for both
// SQL stores; a dialect supplies the statements and says what a failure
// means. Private to the adapters (header-only, not installed).
//
// The rules every member's caller relies on:
//  - A member's own failure (a precondition: mismatch, version_conflict,
//    fenced_out; or an error of its statements) undoes that member only
//    (its savepoint is rolled back; bare, it changed nothing, or the group
//    runs again with savepoints), and is its answer. errc::busy from a
//    member (a deadlock victim, a lock timeout, a row purged under it)
//    reruns that member in place after a jittered backoff, at most
//    max_retries times; the members before it keep what they wrote.
//  - A failure that ends the transaction (BEGIN, COMMIT, a savepoint
//    statement, a transaction the database abandoned, a lost connection)
//    fails the whole group: every member gets that error and nothing of the
//    group was written, or (a COMMIT whose answer was lost) nobody can know.
//    The dialect says which of these are worth running the group again, at
//    most max_retries times after a jittered backoff, and which make it run
//    as two smaller groups instead (split_group below).
//  - Nobody is answered here: write_group answers the members after this
//    returns, so no caller hears "done" before COMMIT returned.
#pragma once

#include "payintent/detail/crash_point.hpp"
#include "payintent/error.hpp"
#include "retry_backoff.hpp"
#include "rollback_guard.hpp"
#include "write_group.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace payintent::adapter_detail {

// The store's side of a group transaction. Every call is noexcept.
//   using connection = ...;
//   result<connection*> writer()        the connection groups write through
//   result<void> begin(connection&)     opens the write transaction
//   result<std::int64_t> now(connection&)
//                                       the store clock for the next member
//   result<void> commit(connection&)
//   bool retry_group(connection&, error_code, bool commit_sent)
//                                       run the group again after this
//                                       failure?
// and either, to run the members one after another:
//   result<void> savepoint(connection&) opens the member's savepoint, before
//                                       its first statement (a dialect may
//                                       send it with that statement)
//   result<void> release(connection&)   keeps what the member wrote (may be
//                                       sent with the next statement)
//   result<void> rollback_to_savepoint(connection&)
//                                       undoes the member, keeps the others
//   bool transaction_lost(connection&)  a member's failure ended the whole
//                                       transaction
// or, to run them side by side as the dialect knows how:
//   result<void> apply_members(connection&, std::span<member*>,
//                              const std::function<void()>& member_done)
//                                       sets every member's answer under the
//                                       rules above, calling member_done as
//                                       each is answered; fails only with an
//                                       error that ends the transaction
//                                       (PostgreSQL: staged_group.hpp)
// and optionally:
//   static bool split_group(error_code) a group that failed with this
//                                       (and is worth running again) runs
//                                       as two halves instead, recursively
//   std::int64_t changes(connection&)   rows the connection's statements
//                                       have changed so far (inserted,
//                                       updated, deleted; a statement that
//                                       failed and was undone counts none)
// With changes(), members run without savepoints first, which costs the
// database a copy of every page a member touches: a member that fails
// having changed nothing is simply answered; one that fails after changing
// rows makes the group run again (from BEGIN, not counted as a retry), each
// member in its savepoint.
template <class Dialect>
class group_transaction {
 public:
  using connection = typename Dialect::connection;
  using member = group_member<connection>;

  group_transaction(Dialect& dialect, retry_policy policy) noexcept
      : dialect_(dialect), policy_(policy) {}

  // Sets every member's answer. Never throws.
  void run(std::span<member*> members) noexcept { run_from(members, 0); }

 private:
  static constexpr bool splits = requires(error_code ec) { Dialect::split_group(ec); };

  // run() with `tries` retries already spent. A group that lost in a way
  // the dialect's split_group names (contention with other transactions,
  // which a large transaction makes likelier) runs again as two halves,
  // one after the other, each from the same count: halving is not a retry,
  // so a write alone in its transaction still has the whole retry budget.
  void run_from(std::span<member*> members, int tries) noexcept {
    for (;; ++tries) {
      bool commit_sent = false;
      connection* conn = nullptr;
      const auto ran = run_once(members, conn, commit_sent);
      if (ran) return;
      const bool again = conn != nullptr && dialect_.retry_group(*conn, ran.error(), commit_sent);
      if (!again || tries >= policy_.max_retries) {
        for (member* m : members) m->answer = ran.error();
        return;
      }
      sleep_before_retry(tries, policy_.backoff);
      if constexpr (splits) {
        if (members.size() > 1 && Dialect::split_group(ran.error())) {
          const std::size_t half = members.size() / 2;
          run_from(members.first(half), tries);
          run_from(members.subspan(half), tries);
          return;
        }
      }
    }
  }

  static constexpr bool counts_changes =
      requires(Dialect& d, connection& c) { d.changes(c); };
  static constexpr bool side_by_side =
      requires(Dialect& d, connection& c, std::span<member*> ms, const std::function<void()>& f) {
        d.apply_members(c, ms, f);
      };

  // Fails with the error that fails every member; succeeds once COMMIT
  // returned. Each member's own answer is set as it runs.
  result<void> run_once(std::span<member*> members, connection*& used, bool& commit_sent) noexcept {
    try {
      BOOST_OUTCOME_TRY(connection * conn, dialect_.writer());
      used = conn;
      std::size_t marked = 0;  // members whose crash point was reached
      if constexpr (counts_changes) {
        bool unsaved = false;
        auto ran = attempt(*conn, members, /*savepoints=*/false, commit_sent, marked, unsaved);
        if (!unsaved) return ran;
      }
      bool unsaved = false;
      return attempt(*conn, members, /*savepoints=*/true, commit_sent, marked, unsaved);
    } catch (...) {
      return errc::store_unavailable;
    }
  }

  // One transaction of the group. `unsaved`: a member without a savepoint
  // failed after changing rows; the transaction was rolled back. A member's
  // crash point is reached once per run_once, `marked` counting them.
  result<void> attempt(connection& conn, std::span<member*> members, bool savepoints,
                       bool& commit_sent, std::size_t& marked, bool& unsaved) {
    const rollback_guard guard(conn);
    BOOST_OUTCOME_TRY(dialect_.begin(conn));
    BOOST_OUTCOME_TRY(apply_all(conn, members, savepoints, marked, unsaved));
    commit_sent = true;
    return dialect_.commit(conn);
  }

  // Runs every member and sets its answer; fails only with an error that
  // ends the transaction.
  result<void> apply_all(connection& conn, std::span<member*> members, bool savepoints,
                         std::size_t& marked, bool& unsaved) {
    if constexpr (side_by_side) {
      std::size_t finished = 0;
      return dialect_.apply_members(conn, members, [&] {
        if (members.size() > 1 && ++finished > marked) {
          detail::crash_point("store.group_member_applied");
          marked = finished;
        }
      });
    } else {
      for (std::size_t i = 0; i < members.size(); ++i) {
        if constexpr (counts_changes) {
          if (!savepoints) {
            BOOST_OUTCOME_TRY(apply_bare(conn, *members[i], unsaved));
          }
        }
        if (savepoints) {
          BOOST_OUTCOME_TRY(apply_member(conn, *members[i]));
        }
        if (members.size() > 1 && i >= marked) {
          detail::crash_point("store.group_member_applied");
          marked = i + 1;
        }
      }
      return outcome::success();
    }
  }

  result<void> apply_now(connection& conn, member& m) {
    BOOST_OUTCOME_TRY(auto now_ms, dialect_.now(conn));
    return m.apply(conn, now_ms);
  }

  // Runs one member in its savepoint and sets its answer; fails only with
  // an error that ends the transaction.
  result<void> apply_member(connection& conn, member& m) {
    for (int tries = 0;; ++tries) {
      BOOST_OUTCOME_TRY(dialect_.savepoint(conn));
      const auto applied = apply_now(conn, m);
      if (applied) {
        m.answer = {};
        return dialect_.release(conn);
      }
      if (dialect_.transaction_lost(conn)) return applied.error();
      BOOST_OUTCOME_TRY(dialect_.rollback_to_savepoint(conn));
      BOOST_OUTCOME_TRY(dialect_.release(conn));
      if (applied.error() != errc::busy || tries >= policy_.max_retries) {
        m.answer = applied.error();
        return outcome::success();
      }
      sleep_before_retry(tries, policy_.backoff);
    }
  }

  // apply_member without a savepoint: a failure that changed no rows is the
  // member's answer; one that did fails the transaction with `unsaved` set.
  result<void> apply_bare(connection& conn, member& m, bool& unsaved) {
    for (int tries = 0;; ++tries) {
      const auto before = dialect_.changes(conn);
      const auto applied = apply_now(conn, m);
      if (applied) {
        m.answer = {};
        return outcome::success();
      }
      if (dialect_.transaction_lost(conn)) return applied.error();
      if (dialect_.changes(conn) != before) {
        unsaved = true;
        return applied.error();
      }
      if (applied.error() != errc::busy || tries >= policy_.max_retries) {
        m.answer = applied.error();
        return outcome::success();
      }
      sleep_before_retry(tries, policy_.backoff);
    }
  }

  Dialect& dialect_;
  const retry_policy policy_;
};

}  // namespace payintent::adapter_detail
