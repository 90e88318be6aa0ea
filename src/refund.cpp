#include "payintent/refund.hpp"

#include "engine/planner.hpp"

#include <charconv>

namespace payintent {
namespace {

constexpr std::string_view intent_prefix = "pi_";
constexpr std::string_view refund_prefix = "re_";

refund_status status_of(const attempt& a) {
  switch (a.state) {
    case attempt_state::succeeded:
      return refund_status::succeeded;
    case attempt_state::declined:
    case attempt_state::not_sent:
    case attempt_state::voided:
      return refund_status::failed;
    default:
      break;
  }
  return detail::parked_for_review(a) ? refund_status::requires_review : refund_status::pending;
}

std::string failure_of(const attempt& a) {
  switch (a.state) {
    case attempt_state::declined:
      return a.decline_code.empty() ? std::string("refund_declined") : a.decline_code;
    case attempt_state::not_sent:
      return "network_not_sent";
    case attempt_state::voided:
      return "refund_not_found";
    default:
      break;
  }
  return {};
}

}  // namespace

std::string_view to_string(refund_status s) noexcept {
  switch (s) {
    case refund_status::pending:
      return "pending";
    case refund_status::succeeded:
      return "succeeded";
    case refund_status::failed:
      return "failed";
    case refund_status::requires_review:
      return "requires_review";
  }
  return "invalid";
}

std::string refund_id(const intent_id& intent, int attempt_number) {
  std::string_view text = intent.str();
  if (text.substr(0, intent_prefix.size()) == intent_prefix)
    text.remove_prefix(intent_prefix.size());
  return fmt::format("{}{}_{}", refund_prefix, text, attempt_number);
}

std::optional<refund_address> parse_refund_id(std::string_view id) {
  if (id.substr(0, refund_prefix.size()) != refund_prefix) return std::nullopt;
  id.remove_prefix(refund_prefix.size());
  const auto sep = id.rfind('_');
  if (sep == std::string_view::npos || sep == 0 || sep + 1 == id.size()) return std::nullopt;
  int number = 0;
  const std::string_view digits = id.substr(sep + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc() || end != digits.data() + digits.size() || number < 1) return std::nullopt;
  return refund_address{intent_id(fmt::format("{}{}", intent_prefix, id.substr(0, sep))), number};
}

std::optional<refund> refund_of(const payment_intent& intent, int number) {
  if (number < 1 || number > static_cast<int>(intent.attempts.size())) return std::nullopt;
  const attempt& a = intent.attempts[static_cast<std::size_t>(number - 1)];
  if (a.kind != attempt_kind::refund) return std::nullopt;
  return refund{refund_id(intent.id, number),
                intent.tenant,
                intent.id,
                money{a.amount, intent.amount.currency},
                a.reason,
                status_of(a),
                failure_of(a),
                a};
}

std::vector<refund> refunds_of(const payment_intent& intent) {
  std::vector<refund> out;
  for (const attempt& a : intent.attempts) {
    if (auto r = refund_of(intent, a.number)) out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace payintent
