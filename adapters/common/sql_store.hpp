// A SQL store's operations, written once for both SQL stores: the writes run
// as members of the runner's group commit, the reads in read transactions of
// their own, each calling the store's statements. Private to the adapters
// (header-only, not installed).
#pragma once

#include "payintent/idempotency_store.hpp"
#include "payintent/event_kit.hpp"
#include "sql_events.hpp"
#include "sql_operator_queries.hpp"
#include "write_group.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace payintent::adapter_detail {

// Base: the store's public class (sqlite_store, postgres_store), an
// idempotency_store with a protected default constructor. State: owns a
// transaction_runner named `runner` and what it runs on. The statements are
// free functions found by argument-dependent lookup in the namespace of the
// runner's connection, each answering result<...>:
//   apply_claim(conn, const claim_request&, now_ms)
//   apply_write(conn, const intent_write&, now_ms)
//   select_intent(conn, tenant, id)           (with its attempts)
//   select_key(conn, tenant, key)
//   select_unresolved(conn, limit, now_ms)
//   select_requires_action(conn, updated_at_or_before_ms, limit)
//   select_requires_capture(conn, authorized_at_or_before_ms, limit)
//   select_audit(conn, tenant, id)
//   delete_expired_keys(conn, limit, now_ms)
// and for the operators' queries for_each_row (sql_operator_queries.hpp).
template <class Base, class State>
class sql_store final : public Base {
 public:
  explicit sql_store(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}

  result<claim_result> claim(const claim_request& request) override {
    write_footprint rows{{row_hash('k', request.key.tenant.str(), request.key.key.str()),
                          request.write ? intent_hash(*request.write) : 0},
                         false};
    return write([&](connection& c, std::int64_t now) { return apply_claim(c, request, now); },
                 rows);
  }
  result<write_receipt> commit(const intent_write& w) override {
    return write([&](connection& c, std::int64_t now) { return apply_write(c, w, now); },
                 write_footprint{{intent_hash(w), 0}, false});
  }
  result<std::optional<payment_intent>> load(const tenant_id& tenant,
                                             const intent_id& id) override {
    return read([&](connection& c, std::int64_t) { return select_intent(c, tenant, id); });
  }
  result<std::optional<key_record>> load_key(const tenant_id& tenant,
                                             const idempotency_key& key) override {
    return read([&](connection& c, std::int64_t) { return select_key(c, tenant, key); });
  }
  result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) override {
    return read([&](connection& c, std::int64_t now) { return select_unresolved(c, limit, now); });
  }
  result<std::vector<audit_entry>> audit_trail(const tenant_id& tenant,
                                               const intent_id& id) override {
    return read([&](connection& c, std::int64_t) { return select_audit(c, tenant, id); });
  }
  result<std::size_t> purge_expired_keys(std::size_t limit) override {
    return write(
        [&](connection& c, std::int64_t now) { return delete_expired_keys(c, limit, now); });
  }
  result<std::int64_t> now_ms() override { return state_->runner.now(); }
  result<std::vector<requires_action_intent>> list_requires_action(
      std::int64_t updated_at_or_before_ms, std::size_t limit) override {
    return read([&](connection& c, std::int64_t) {
      return select_requires_action(c, updated_at_or_before_ms, limit);
    });
  }
  result<std::vector<requires_capture_intent>> list_requires_capture(
      std::int64_t authorized_at_or_before_ms, std::size_t limit) override {
    return read([&](connection& c, std::int64_t) {
      return select_requires_capture(c, authorized_at_or_before_ms, limit);
    });
  }

  // Operating a store: the operators' queries (sql_operator_queries.hpp),
  // each in a read transaction of its own.
  result<std::vector<payment_intent>> list_by_status(intent_status status, const tenant_id& tenant,
                                                     std::size_t limit) override {
    return read([&](connection& c, std::int64_t) {
      return adapter_detail::select_by_status(c, status, tenant, limit);
    });
  }
  result<std::vector<audit_entry>> scan_audit(const audit_position& after,
                                              std::size_t limit) override {
    return read([&](connection& c, std::int64_t) {
      return adapter_detail::select_audit_page(c, after, limit);
    });
  }
  result<std::vector<key_record>> keys_of_intent(const tenant_id& tenant,
                                                 const intent_id& id) override {
    return read([&](connection& c, std::int64_t) {
      return adapter_detail::select_keys_of_intent(c, tenant, id);
    });
  }
  result<store_counts> count_records() override {
    return read(
        [&](connection& c, std::int64_t now) { return adapter_detail::select_counts(c, now); });
  }

  // The event outbox (sql_events.hpp): reads in read transactions, cursor
  // writes and purges as members of the group commit.
  result<std::vector<event_record>> read_events(const event_query& q) override {
    return read([&](connection& c, std::int64_t) { return adapter_detail::select_events(c, q); });
  }
  result<std::uint64_t> consumer_position(std::string_view name) override {
    if (!store_kit::valid_consumer_name(name)) return errc::invalid_argument;
    return read([&](connection& c, std::int64_t) {
      return adapter_detail::select_consumer_position(c, name);
    });
  }
  result<std::uint64_t> acknowledge_events(std::string_view name, std::uint64_t position) override {
    if (!store_kit::valid_consumer_name(name)) return errc::invalid_argument;
    return write([&](connection& c, std::int64_t now) {
      return adapter_detail::upsert_consumer_position(c, name, position, now);
    });
  }
  result<std::size_t> purge_events(std::int64_t created_before_ms, std::size_t limit) override {
    return write([&](connection& c, std::int64_t) {
      return adapter_detail::delete_old_events(c, created_before_ms, limit);
    });
  }

 private:
  using runner = decltype(State::runner);
  using connection = typename runner::connection;

  template <class F>
  auto write(F&& body, write_footprint rows = {}) noexcept {
    return state_->runner.write(std::forward<F>(body), rows);
  }

  // A footprint's entry for the row `kind` ('k' a key, 'i' an intent with
  // its attempts and audit entries) of `tenant` named `name`. Never 0.
  static std::uint64_t row_hash(char kind, std::string_view tenant,
                                std::string_view name) noexcept {
    const std::hash<std::string_view> h;
    const std::uint64_t mixed = (h(tenant) * 0x9E3779B97F4A7C15ULL) ^ h(name);
    return ((mixed * 31U) ^ static_cast<std::uint64_t>(kind)) | 1U;
  }
  static std::uint64_t intent_hash(const intent_write& w) noexcept {
    return row_hash('i', w.intent.tenant.str(), w.intent.id.str());
  }
  template <class F>
  auto read(F&& body) noexcept {
    return state_->runner.run(runner::kind::read, std::forward<F>(body));
  }

  std::unique_ptr<State> state_;
};

}  // namespace payintent::adapter_detail
