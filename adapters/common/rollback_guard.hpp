// Rolls back whatever transaction a connection still has open when a scope
// ends: on every early return and exception, and a no-op after COMMIT.
// Private to the adapters (header-only, not installed).
#pragma once

namespace payintent::adapter_detail {

// Connection: has `void rollback() noexcept`, which ends an open transaction
// and does nothing when there is none.
template <class Connection>
class rollback_guard {
 public:
  explicit rollback_guard(Connection& conn) noexcept : conn_(conn) {}
  ~rollback_guard() { conn_.rollback(); }
  rollback_guard(const rollback_guard&) = delete;
  rollback_guard& operator=(const rollback_guard&) = delete;

 private:
  Connection& conn_;
};

}  // namespace payintent::adapter_detail
