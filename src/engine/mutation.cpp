#include "engine/mutation.hpp"

#include "engine/three_ds_input.hpp"
#include "payintent/fingerprint.hpp"

namespace payintent::detail {
namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

// The fields an intent is created with, in their canonical order. Manual
// capture is named only when asked for, so an automatic request keeps the
// fingerprint it had before capture_method existed (stored keys still match).
std::string new_intent_fingerprint(operation op, const payment_intent& fresh, int version) {
  fingerprint_builder b(op, version);
  b.add("amount", fresh.amount.minor_units)
      .add("currency", fresh.amount.currency->code)
      .add("payment_method", fresh.payment_method)
      .add("description", fresh.description)
      .add("metadata", fresh.metadata);
  if (fresh.capture_method != capture_method::automatic) {
    b.add("capture_method", to_string(fresh.capture_method));
  }
  return b.hex_digest();
}

// An operation on an existing intent with an optional amount of its own.
fingerprint_builder amount_fingerprint(operation op, const intent_id& intent,
                                       std::string_view name, std::optional<std::int64_t> amount,
                                       int version) {
  fingerprint_builder b(op, version);
  b.add("intent", intent.str());
  if (amount) b.add(name, *amount);
  return b;
}

// An operation on an existing intent with one field of its own.
std::string intent_field_fingerprint(operation op, const intent_id& intent, std::string_view name,
                                     const std::string& value, int version) {
  return fingerprint_builder(op, version).add("intent", intent.str()).add(name, value).hex_digest();
}

}  // namespace

operation operation_of(const request& r) noexcept {
  return std::visit(overloaded{
                        [](const create_request&) { return operation::create_intent; },
                        [](const charge_request&) { return operation::charge; },
                        [](const confirm_request&) { return operation::confirm; },
                        [](const cancel_request&) { return operation::cancel; },
                        [](const authenticate_request&) { return operation::authenticate; },
                        [](const capture_request&) { return operation::capture; },
                        [](const refund_request&) { return operation::refund; },
                    },
                    r);
}

std::optional<intent_id> target_of(const request& r) {
  return std::visit(overloaded{
                        [](const create_request&) { return std::optional<intent_id>(); },
                        [](const charge_request&) { return std::optional<intent_id>(); },
                        [](const auto& on_intent) { return std::optional(on_intent.intent); },
                    },
                    r);
}

std::string fingerprint_of(const request& r, int version) {
  const operation op = operation_of(r);
  return std::visit(
      overloaded{
          [&](const create_request& c) { return new_intent_fingerprint(op, c.fresh, version); },
          [&](const charge_request& c) { return new_intent_fingerprint(op, c.fresh, version); },
          [&](const confirm_request& c) {
            return intent_field_fingerprint(op, c.intent, "payment_method", c.payment_method,
                                            version);
          },
          [&](const cancel_request& c) {
            return intent_field_fingerprint(op, c.intent, "reason", c.reason, version);
          },
          [&](const authenticate_request& a) {
            return authenticate_fingerprint(a.intent, a.fields, version);
          },
          [&](const capture_request& c) {
            return amount_fingerprint(op, c.intent, "amount_to_capture", c.amount, version)
                .hex_digest();
          },
          [&](const refund_request& f) {
            return amount_fingerprint(op, f.intent, "amount", f.amount, version)
                .add("reason", f.reason)
                .hex_digest();
          },
      },
      r);
}

plan decide(const request& r, const payment_intent* current, const write_context& ctx) {
  return std::visit(
      overloaded{
          [&](const create_request& c) {
            plan p;
            p.write = plan_create(c.fresh, ctx);
            return p;
          },
          [&](const charge_request& c) {
            plan p;
            p.write = plan_charge(c.fresh, ctx);
            p.started_attempt = 1;
            return p;
          },
          [&](const confirm_request& c) { return plan_confirm(*current, c.payment_method, ctx); },
          [&](const cancel_request& c) { return plan_cancel(*current, c.reason, ctx); },
          [&](const authenticate_request& a) { return plan_authenticate(*current, a.result, ctx); },
          [&](const capture_request& c) { return plan_capture(*current, c.amount, ctx); },
          [&](const refund_request& f) {
            return plan_refund(*current, f.amount, f.reason, ctx);
          },
      },
      r);
}

}  // namespace payintent::detail
