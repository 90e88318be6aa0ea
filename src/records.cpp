#include "payintent/records.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/transition.hpp"

#include <chrono>
#include <iterator>
#include <string>

namespace {

// "2026-11-25T12:00:01.250Z": the store clock is UTC milliseconds.
void append_utc_time(std::string& out, std::int64_t time_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(time_ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> tod{t - day};
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                 static_cast<unsigned>(ymd.day()), tod.hours().count(), tod.minutes().count(),
                 tod.seconds().count(), tod.subseconds().count());
}

}  // namespace

namespace payintent {

std::int64_t payment_intent::amount_received() const noexcept {
  std::int64_t sum = 0;
  for (const attempt& a : attempts) {
    if (a.kind == attempt_kind::authorization && a.state == attempt_state::authorized &&
        capture_method == payintent::capture_method::automatic) {
      sum += amount.minor_units;
    } else if (a.kind == attempt_kind::capture && a.state == attempt_state::succeeded) {
      sum += a.amount;
    }
  }
  return sum;
}

std::int64_t payment_intent::amount_refunded() const noexcept {
  std::int64_t sum = 0;
  for (const attempt& a : attempts) {
    if (a.kind == attempt_kind::refund && a.state == attempt_state::succeeded) sum += a.amount;
  }
  return sum;
}

}  // namespace payintent

auto fmt::formatter<payintent::audit_entry>::format(const payintent::audit_entry& e,
                                                    format_context& ctx) const
    -> format_context::iterator {
  std::string text = fmt::format("#{} ", e.sequence);
  append_utc_time(text, e.time_ms);
  auto out = std::back_inserter(text);
  fmt::format_to(out, " {} ", e.event);
  if (!e.from.empty()) fmt::format_to(out, "{}->", e.from);
  text += e.to;
  if (e.attempt_number != 0) fmt::format_to(out, " a{}", e.attempt_number);
  fmt::format_to(out, " fence={} node={}", e.fence, e.node_id);
  if (!e.detail.empty()) fmt::format_to(out, " ({})", e.detail);
  return fmt::formatter<std::string_view>::format(text, ctx);
}

auto fmt::formatter<payintent::payment_intent>::format(const payintent::payment_intent& i,
                                                       format_context& ctx) const
    -> format_context::iterator {
  const auto n = i.attempts.size();
  const std::string text = fmt::format("{} {} {} ({}, {} attempt{})", i.id, i.amount, i.status,
                                       i.tenant, n, n == 1 ? "" : "s");
  return fmt::formatter<std::string_view>::format(text, ctx);
}

auto fmt::formatter<payintent::attempt>::format(const payintent::attempt& a,
                                                format_context& ctx) const
    -> format_context::iterator {
  std::string text = fmt::format("a{} {} fence={} node={}", a.number, a.state, a.fence, a.node_id);
  if (!a.decline_code.empty()) text += fmt::format(" decline={}", a.decline_code);
  return fmt::formatter<std::string_view>::format(text, ctx);
}

auto fmt::formatter<payintent::payment_error>::format(const payintent::payment_error& e,
                                                      format_context& ctx) const
    -> format_context::iterator {
  const std::string text =
      e.decline_code.empty() ? fmt::format("{}: {}", e.code, e.message)
                             : fmt::format("{}/{}: {}", e.code, e.decline_code, e.message);
  return fmt::formatter<std::string_view>::format(text, ctx);
}

auto fmt::formatter<payintent::claim_status>::format(payintent::claim_status s,
                                                     format_context& ctx) const
    -> format_context::iterator {
  std::string_view name = "invalid";
  switch (s) {
    case payintent::claim_status::claimed:
      name = "claimed";
      break;
    case payintent::claim_status::replay:
      name = "replay";
      break;
    case payintent::claim_status::mismatch:
      name = "mismatch";
      break;
    case payintent::claim_status::in_progress:
      name = "in_progress";
      break;
  }
  return fmt::formatter<std::string_view>::format(name, ctx);
}

auto fmt::formatter<payintent::transition>::format(const payintent::transition& t,
                                                   format_context& ctx) const
    -> format_context::iterator {
  std::string text = t.attempt_number > 0
                         ? fmt::format("{} a{} {} ", t.intent, t.attempt_number, t.event)
                         : fmt::format("{} {} ", t.intent, t.event);
  text += t.from.empty() ? t.to : fmt::format("{}->{}", t.from, t.to);
  return fmt::formatter<std::string_view>::format(text, ctx);
}
