#include "render.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace payintent::admin_detail {
namespace {

// Recovery parks a reviewed attempt's lease for a century; no live lease
// runs past a decade.
constexpr std::int64_t parked_after_ms = 10LL * 365 * 24 * 3600 * 1000;

std::int64_t as_json(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

}  // namespace

std::string iso_time(std::int64_t ms) {
  if (ms == 0) return "-";
  const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds(ms)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", t);
}

std::string lease_state(std::int64_t lease_expires_at_ms, std::int64_t now_ms) {
  if (lease_expires_at_ms == 0) return "none";
  if (lease_expires_at_ms - now_ms > parked_after_ms) return "review";
  return lease_expires_at_ms <= now_ms ? "expired" : "held";
}

boost::json::object intent_json(const payment_intent& i, std::int64_t now_ms) {
  boost::json::object o;
  o["id"] = i.id.str();
  o["tenant"] = i.tenant.str();
  o["status"] = to_string(i.status);
  o["amount"] = i.amount.minor_units;
  o["currency"] = i.amount.currency ? i.amount.currency->code : "";
  o["payment_method"] = i.payment_method;
  o["description"] = i.description;
  boost::json::object metadata;
  for (const auto& [k, v] : i.metadata) metadata[k] = v;
  o["metadata"] = std::move(metadata);
  if (i.last_error) {
    o["last_error"] = {{"code", i.last_error->code},
                       {"decline_code", i.last_error->decline_code},
                       {"message", i.last_error->message}};
  } else {
    o["last_error"] = nullptr;
  }
  o["next_action_type"] = i.next_action ? i.next_action->type : "";
  o["version"] = as_json(i.version);
  o["created_at_ms"] = i.created_at_ms;
  o["updated_at_ms"] = i.updated_at_ms;
  boost::json::array attempts;
  for (const attempt& a : i.attempts) attempts.push_back(attempt_json(a, now_ms));
  o["attempts"] = std::move(attempts);
  return o;
}

boost::json::object attempt_json(const attempt& a, std::int64_t now_ms) {
  return {{"number", a.number},
          {"reference", a.reference},
          {"state", to_string(a.state)},
          {"payment_method", a.payment_method},
          {"decline_code", a.decline_code},
          {"network_transaction_id", a.network_transaction_id},
          {"fence", as_json(a.fence)},
          {"node_id", a.node_id},
          {"lease_expires_at_ms", a.lease_expires_at_ms},
          {"lease", lease_state(a.lease_expires_at_ms, now_ms)},
          {"created_at_ms", a.created_at_ms},
          {"updated_at_ms", a.updated_at_ms}};
}

boost::json::object key_json(const key_record& k, std::int64_t now_ms) {
  return {{"key", k.key.str()},
          {"operation", to_string(k.op)},
          {"result_code", k.result.code},
          {"result_message", k.result.message},
          {"attempt", k.result.attempt_number},
          {"created_at_ms", k.created_at_ms},
          {"expires_at_ms", k.expires_at_ms},
          {"expired", k.expires_at_ms <= now_ms}};
}

boost::json::object audit_json(const audit_entry& e) {
  return {{"sequence", as_json(e.sequence)},
          {"time_ms", e.time_ms},
          {"attempt", e.attempt_number},
          {"event", e.event},
          {"from", e.from},
          {"to", e.to},
          {"detail", e.detail},
          {"node_id", e.node_id},
          {"fence", as_json(e.fence)},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

boost::json::object verification_json(const audit_verification& v) {
  boost::json::object o{{"ok", v.ok}};
  if (!v.ok) {
    o["first_broken_sequence"] = as_json(v.first_broken_sequence);
    o["reason"] = v.reason;
  }
  return o;
}

void print_json(const boost::json::value& value) {
  const std::string text = boost::json::serialize(value);
  fmt::print("{}\n", text);
}

void table::print(const std::string& indent) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows_) {
    std::string line = indent;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] - row[c].size() + 2, ' ');
    }
    fmt::print("{}\n", line);
  }
}

}  // namespace payintent::admin_detail
