// The operations: each mutating one validates and copies its arguments into
// a mutation (service_async::prepare), which is then admitted synchronously
// (impl::run) or asynchronously (impl::start) through the same coalesced
// admission.
#include "engine/service_impl.hpp"

#include "engine/three_ds_input.hpp"
#include "engine/waits.hpp"
#include "payintent/fingerprint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <initializer_list>
#include <mutex>
#include <optional>
#include <type_traits>

namespace payintent {
namespace {

using detail::admission;
using detail::mutation;
using detail::prepared_mutation;
using detail::service_async;

// Where a synchronous call receives its admission: inline from its own, or
// from the leader's thread when it follows a duplicate. Unlike a
// std::promise, a hand-over on the same thread makes no system call.
class admission_slot {
 public:
  explicit admission_slot(world& w) : ready_(w.make_condition()) {}

  void set(admission a) {
    // Notified under the lock: the waiter, which owns the slot, cannot
    // return and destroy it before the notice is sent.
    std::lock_guard lock(mutex_);
    value_ = std::move(a);
    ready_->notify_all();
  }
  admission take() {
    std::unique_lock lock(mutex_);
    detail::wait_for_predicate(*ready_, lock, [&] { return value_.has_value(); });
    return std::move(*value_);
  }

 private:
  std::mutex mutex_;
  const std::unique_ptr<world::condition> ready_;
  std::optional<admission> value_;
};

// Every mutation's tenant and key, validated.
result<mutation> addressed(std::string_view tenant, std::string_view key, diagnostics* diag) {
  mutation m;
  BOOST_OUTCOME_TRY(m.tenant, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(m.key, validate_idempotency_key(key, diag));
  return m;
}

error_code fail_argument(diagnostics* diag, std::string message) {
  if (diag) diag->message = std::move(message);
  return make_error_code(errc::invalid_argument);
}

// Empty, or one of Stripe's names for `field` (cancellation_reason, reason).
result<void> validate_reason(std::string_view field, const std::string& reason,
                             std::initializer_list<std::string_view> allowed, diagnostics* diag) {
  if (reason.empty()) return outcome::success();
  for (std::string_view name : allowed) {
    if (reason == name) return outcome::success();
  }
  return fail_argument(diag, fmt::format("{} must be one of: {}", field, fmt::join(allowed, ", ")));
}

// An optional positive amount of minor units.
result<void> validate_optional_amount(std::string_view field, std::optional<std::int64_t> amount,
                                      diagnostics* diag) {
  if (!amount || *amount > 0) return outcome::success();
  if (diag) diag->message = fmt::format("{} must be a positive number of minor units", field);
  return make_error_code(errc::invalid_amount);
}

// A refund's answer: the refund its accepted call started (or, replayed,
// the first call started), with the intent.
result<refund_response> refund_answer(result<payment_response> r) {
  if (!r) return r.error();
  auto made = refund_of(r.value().intent, r.value().attempt_number);
  if (!made) return make_error_code(errc::storage_corrupt);  // its claim wrote a refund attempt
  return refund_response{std::move(*made), std::move(r.value().intent), r.value().replayed};
}

prepared_mutation ready(mutation m, detail::request what) {
  m.what = std::move(what);
  m.fingerprint = detail::fingerprint_of(m.what, current_fingerprint_version);
  return std::make_shared<const mutation>(std::move(m));
}

// create_intent (Request is create_request) or charge (charge_request):
// `params` validated into a new intent named `id`; a charge requires its
// payment method.
template <class Request, class Params>
prepared_mutation new_intent(std::string_view tenant, std::string_view key, const Params& params,
                             intent_id id, const amount_limits& limits,
                             std::chrono::milliseconds wait_budget, diagnostics* diag) {
  constexpr bool charge = std::is_same_v<Request, detail::charge_request>;
  BOOST_OUTCOME_TRY(auto m, addressed(tenant, key, diag));
  BOOST_OUTCOME_TRY(auto amount, validate_money(params.amount, params.currency, limits, diag));
  if (charge || !params.payment_method.empty()) {
    BOOST_OUTCOME_TRY(validate_payment_method(params.payment_method, diag));
  }
  BOOST_OUTCOME_TRY(validate_text("description", params.description, 1000, diag));
  BOOST_OUTCOME_TRY(validate_metadata(params.metadata, diag));
  if (to_string(params.capture_method) == "invalid") {
    return fail_argument(diag, "capture_method must be automatic or manual");
  }
  payment_intent fresh;
  fresh.id = std::move(id);
  fresh.tenant = m.tenant;
  fresh.amount = amount;
  fresh.payment_method = params.payment_method;
  fresh.description = params.description;
  fresh.metadata = params.metadata;
  fresh.capture_method = params.capture_method;
  m.wait_budget = wait_budget;
  return ready(std::move(m), Request{std::move(fresh)});
}

}  // namespace

prepared_mutation service_async::prepare(payment_service& s, std::string_view tenant,
                                         std::string_view key, const create_params& params,
                                         diagnostics* diag) {
  const auto& impl = *s.impl_;
  return new_intent<detail::create_request>(tenant, key, params, impl.world->new_intent_id(),
                                            impl.options.limits, {}, diag);
}

prepared_mutation service_async::prepare(payment_service& s, std::string_view tenant,
                                         std::string_view key, const charge_params& params,
                                         diagnostics* diag) {
  const auto& impl = *s.impl_;
  return new_intent<detail::charge_request>(
      tenant, key, params, impl.world->new_intent_id(), impl.options.limits,
      params.wait_budget.value_or(impl.options.default_wait_budget), diag);
}

prepared_mutation service_async::prepare(payment_service& s, std::string_view tenant,
                                         std::string_view key, std::string_view intent,
                                         const confirm_params& params, diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto m, addressed(tenant, key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  if (!params.payment_method.empty()) {
    BOOST_OUTCOME_TRY(validate_payment_method(params.payment_method, diag));
  }
  m.wait_budget = params.wait_budget.value_or(s.impl_->options.default_wait_budget);
  return ready(std::move(m), detail::confirm_request{std::move(id), params.payment_method});
}

prepared_mutation service_async::prepare(payment_service& s, std::string_view tenant,
                                         std::string_view key, std::string_view intent,
                                         const cancel_params& params, diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto m, addressed(tenant, key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(validate_reason("cancellation_reason", params.reason,
                                    {"duplicate", "fraudulent", "requested_by_customer",
                                     "abandoned"},
                                    diag));
  m.wait_budget = params.wait_budget.value_or(s.impl_->options.default_wait_budget);
  return ready(std::move(m), detail::cancel_request{std::move(id), params.reason});
}

prepared_mutation service_async::prepare(payment_service& s, std::string_view tenant,
                                         std::string_view key, std::string_view intent,
                                         const capture_params& params, diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto m, addressed(tenant, key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(validate_optional_amount("amount_to_capture", params.amount_to_capture, diag));
  m.wait_budget = params.wait_budget.value_or(s.impl_->options.default_wait_budget);
  return ready(std::move(m), detail::capture_request{std::move(id), params.amount_to_capture});
}

prepared_mutation service_async::prepare(payment_service& s, std::string_view tenant,
                                         std::string_view key, std::string_view intent,
                                         const refund_params& params, diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto m, addressed(tenant, key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(validate_optional_amount("amount", params.amount, diag));
  BOOST_OUTCOME_TRY(validate_reason("reason", params.reason,
                                    {"duplicate", "fraudulent", "requested_by_customer"}, diag));
  m.wait_budget = params.wait_budget.value_or(s.impl_->options.default_wait_budget);
  return ready(std::move(m), detail::refund_request{std::move(id), params.amount, params.reason});
}

prepared_mutation service_async::prepare(payment_service& s, std::string_view tenant,
                                         std::string_view key, std::string_view intent,
                                         const authenticate_params& params, diagnostics* diag) {
  const auto& options = s.impl_->options;
  BOOST_OUTCOME_TRY(auto m, addressed(tenant, key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(auto step,
                    detail::read_challenge_result(
                        params, options.authorize_when_authentication_unavailable, diag));
  if (step.resume) m.authentication = detail::authentication_of(params, step);
  m.wait_budget = params.wait_budget.value_or(options.default_wait_budget);
  authenticate_params fields = params;
  fields.authentication_value.clear();  // only m.authentication carries it
  return ready(std::move(m),
               detail::authenticate_request{std::move(id), std::move(fields), std::move(step)});
}

void service_async::start(payment_service& s, prepared_mutation m, diagnostics* diag,
                          const completion_ptr<payment_response>& done) {
  s.impl_->start(std::move(m), diag, [done](result<payment_response> r) { (*done)(std::move(r)); });
}

void service_async::start_refund(payment_service& s, prepared_mutation m, diagnostics* diag,
                                 const completion_ptr<refund_response>& done) {
  s.impl_->start(std::move(m), diag,
                 [done](result<payment_response> r) { (*done)(refund_answer(std::move(r))); });
}

std::function<void()> service_async::track_operation(payment_service& s) {
  auto& impl = *s.impl_;
  impl.operations.begin();
  return [&impl] { impl.operations.end(); };
}

void service_async::on_pool(payment_service& s, std::function<void()> job) {
  s.impl_->post(std::move(job));
}

boost::asio::any_io_executor service_async::pool_executor(const payment_service& s) {
  return s.impl_->pool.get_executor();
}

result<payment_response> payment_service::create_intent(std::string_view tenant,
                                                        std::string_view key,
                                                        const create_params& params,
                                                        diagnostics* diag) {
  return impl_->run(service_async::prepare(*this, tenant, key, params, diag), diag);
}

result<payment_response> payment_service::charge(std::string_view tenant, std::string_view key,
                                                 const charge_params& params, diagnostics* diag) {
  return impl_->run(service_async::prepare(*this, tenant, key, params, diag), diag);
}

result<payment_response> payment_service::confirm(std::string_view tenant, std::string_view key,
                                                  std::string_view intent,
                                                  const confirm_params& params, diagnostics* diag) {
  return impl_->run(service_async::prepare(*this, tenant, key, intent, params, diag), diag);
}

result<payment_response> payment_service::cancel(std::string_view tenant, std::string_view key,
                                                 std::string_view intent,
                                                 const cancel_params& params, diagnostics* diag) {
  return impl_->run(service_async::prepare(*this, tenant, key, intent, params, diag), diag);
}

result<payment_response> payment_service::authenticate(std::string_view tenant,
                                                       std::string_view key,
                                                       std::string_view intent,
                                                       const authenticate_params& params,
                                                       diagnostics* diag) {
  return impl_->run(service_async::prepare(*this, tenant, key, intent, params, diag), diag);
}

result<payment_response> payment_service::capture(std::string_view tenant, std::string_view key,
                                                  std::string_view intent,
                                                  const capture_params& params, diagnostics* diag) {
  return impl_->run(service_async::prepare(*this, tenant, key, intent, params, diag), diag);
}

result<refund_response> payment_service::refund(std::string_view tenant, std::string_view key,
                                                std::string_view intent,
                                                const refund_params& params, diagnostics* diag) {
  return refund_answer(
      impl_->run(service_async::prepare(*this, tenant, key, intent, params, diag), diag));
}

result<payintent::refund> payment_service::retrieve_refund(std::string_view tenant,
                                                           std::string_view refund_id,
                                                           diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  BOOST_OUTCOME_TRY(auto t, validate_tenant(tenant, diag));
  const auto address = parse_refund_id(refund_id);
  if (!address) return fail_argument(diag, "refund id is malformed");
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(address->intent.str(), diag));
  BOOST_OUTCOME_TRY(auto intent, impl_->load_reconciled(t, id, diag));
  auto found = refund_of(intent, address->attempt_number);
  if (!found) {
    if (diag) diag->message = "no such refund";
    return make_error_code(errc::not_found);
  }
  return std::move(*found);
}

result<payment_response> payment_service::impl::run(prepared_mutation m, diagnostics* diag) {
  if (!m) return m.error();
  BOOST_OUTCOME_TRY(auto entered, enter(diag));
  const auto deadline = world->now() + m.value()->wait_budget;
  // A leader's admission calls back inline; a follower's from the leader's thread.
  admission_slot admitted(*world);
  admit_shared(m.value(), false, [&admitted](admission a) { admitted.set(std::move(a)); });
  return answer(admitted.take(), deadline, diag);
}

void payment_service::impl::start(prepared_mutation m, diagnostics* diag, answered done) {
  auto entered = m ? enter(diag) : result<detail::activity::scope>(m.error());
  if (!entered) {
    // Never complete inside the initiating call.
    return post([done = std::move(done), ec = entered.error()] { done(ec); });
  }
  // The budget counts from the call, so queueing for the pool is part of it.
  const auto deadline = world->now() + m.value()->wait_budget;
  admit_shared(m.value(), true, [this, deadline, diag, done = std::move(done)](admission a) {
    answer_async(std::move(a), deadline, diag, done);
  });
}

}  // namespace payintent
