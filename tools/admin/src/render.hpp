// How payintent-admin shows records: as JSON values (--json) and as text
// tables. Times are ms since the Unix epoch in JSON, ISO 8601 UTC in tables.
#pragma once

#include "payintent/audit.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/records.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace payintent::admin_detail {

// "2026-12-05T19:37:20Z" (UTC); "-" for 0.
std::string iso_time(std::int64_t ms);

// Who holds an attempt, by the store clock `now_ms`: "none" (released),
// "held" (by its node, until lease_expires_at), "expired" (recovery may take
// it), "review" (parked for a person by recovery).
std::string lease_state(std::int64_t lease_expires_at_ms, std::int64_t now_ms);

boost::json::object intent_json(const payment_intent& intent, std::int64_t now_ms);
boost::json::object attempt_json(const attempt& a, std::int64_t now_ms);
boost::json::object key_json(const key_record& k, std::int64_t now_ms);
boost::json::object audit_json(const audit_entry& e);
boost::json::object verification_json(const audit_verification& v);

// Prints `value` as one line of JSON on stdout.
void print_json(const boost::json::value& value);

// A text table: a header row and rows, columns padded to their widest cell.
class table {
 public:
  explicit table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const noexcept { return rows_.size() == 1; }
  // On stdout, each line indented by `indent`.
  void print(const std::string& indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace payintent::admin_detail
