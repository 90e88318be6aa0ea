// The operations: each mutating one validates and copies its arguments into
// a mutation (prepare_*), which then runs synchronously (run_sync) or
// asynchronously (start_mutation) through the same coalesced claim.
#include "engine/service_impl.hpp"

#include "engine/three_ds_input.hpp"
#include "engine/waits.hpp"
#include "payintent/fingerprint.hpp"

#include <mutex>
#include <optional>

namespace payintent {
namespace {

using detail::claim_outcome;
using detail::mutation;

// What create_intent and charge share: the fields of a new intent.
struct intent_fields {
  std::int64_t amount;
  const std::string& currency;
  const std::string& payment_method;
  const std::string& description;
  const std::map<std::string, std::string>& metadata;
};

// Where a synchronous call receives its claim's outcome: inline from its own
// claim, or from the leader's thread when it follows a duplicate. Unlike a
// std::promise, a hand-over on the same thread makes no system call.
class outcome_slot {
 public:
  explicit outcome_slot(world& w) : ready_(w.make_condition()) {}

  void set(claim_outcome o) {
    // Notified under the lock: the waiter, which owns the slot, cannot
    // return and destroy it before the notice is sent.
    std::lock_guard lock(mutex_);
    value_ = std::move(o);
    ready_->notify_all();
  }
  claim_outcome take() {
    std::unique_lock lock(mutex_);
    detail::wait_for_predicate(*ready_, lock, [&] { return value_.has_value(); });
    return std::move(*value_);
  }

 private:
  std::mutex mutex_;
  const std::unique_ptr<world::condition> ready_;
  std::optional<claim_outcome> value_;
};

std::shared_ptr<const mutation> ready(mutation m) {
  m.fingerprint = m.fingerprint_at(current_fingerprint_version);
  return std::make_shared<const mutation>(std::move(m));
}

// What every mutation starts with: its op, and the caller's tenant and key
// validated.
result<void> address(mutation& m, operation op, std::string_view tenant, std::string_view key,
                     diagnostics* diag) {
  m.op = op;
  BOOST_OUTCOME_TRY(m.tenant, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(m.key, validate_idempotency_key(key, diag));
  return outcome::success();
}

// address(), for an operation on an existing intent: plus its id validated.
result<void> address_intent(mutation& m, operation op, std::string_view tenant,
                            std::string_view key, std::string_view intent, diagnostics* diag) {
  BOOST_OUTCOME_TRY(address(m, op, tenant, key, diag));
  BOOST_OUTCOME_TRY(m.target, validate_intent_id(intent, diag));
  return outcome::success();
}

// create_intent (an intent in status created) or charge (created and
// confirmed in one claim): validates `f` into a fresh intent named `id`.
result<std::shared_ptr<const mutation>> new_intent(
    operation op, std::string_view tenant, std::string_view key, const intent_fields& f,
    intent_id id, std::optional<std::chrono::milliseconds> wait_budget,
    const service_options& options, const detail::write_context& ctx, diagnostics* diag) {
  const bool charge = op == operation::charge;
  mutation m;
  BOOST_OUTCOME_TRY(address(m, op, tenant, key, diag));
  BOOST_OUTCOME_TRY(auto amount, validate_money(f.amount, f.currency, options.limits, diag));
  if (charge || !f.payment_method.empty()) {
    BOOST_OUTCOME_TRY(validate_payment_method(f.payment_method, diag));
  }
  BOOST_OUTCOME_TRY(validate_text("description", f.description, 1000, diag));
  BOOST_OUTCOME_TRY(validate_metadata(f.metadata, diag));

  // Built once, so every round of the claim writes the same id; held by
  // the mutation, so the two functions below capture only a pointer.
  struct fresh_intent {
    operation op;
    payment_intent intent;
    detail::write_context ctx;
  };
  auto fresh = std::make_shared<fresh_intent>();
  fresh->op = op;
  fresh->ctx = ctx;
  payment_intent& i = fresh->intent;
  i.id = std::move(id);
  i.tenant = m.tenant;
  i.amount = amount;
  i.payment_method = f.payment_method;
  i.description = f.description;
  i.metadata = f.metadata;
  const fresh_intent* built = fresh.get();
  m.captured = std::move(fresh);
  // The fields an intent is created with, in their canonical order.
  m.fingerprint_at = [fresh = built](int version) {
    const payment_intent& fields = fresh->intent;
    return fingerprint_builder(fresh->op, version)
        .add("amount", fields.amount.minor_units)
        .add("currency", fields.amount.currency->code)
        .add("payment_method", fields.payment_method)
        .add("description", fields.description)
        .add("metadata", fields.metadata)
        .hex_digest();
  };
  m.decide = [fresh = built](const payment_intent*) {
    const bool confirms = fresh->op == operation::charge;
    detail::plan p;
    p.write = confirms ? detail::plan_charge(fresh->intent, fresh->ctx)
                       : detail::plan_create(fresh->intent, fresh->ctx);
    p.started_attempt = confirms ? 1 : 0;
    return p;
  };
  if (charge) m.wait_budget = wait_budget.value_or(options.default_wait_budget);
  return ready(std::move(m));
}

// Validates what confirm and cancel share and gives `m` its op, tenant, key,
// target, and a fingerprint over the intent and the one field `name`.
result<void> on_intent(mutation& m, operation op, std::string_view tenant, std::string_view key,
                       std::string_view intent, std::string_view name, const std::string& value,
                       diagnostics* diag) {
  BOOST_OUTCOME_TRY(address_intent(m, op, tenant, key, intent, diag));
  m.fingerprint_at = [op, id = *m.target, name, value](int version) {
    return fingerprint_builder(op, version).add("intent", id.str()).add(name, value).hex_digest();
  };
  return outcome::success();
}

}  // namespace

payment_service::prepared payment_service::prepare_create(std::string_view tenant,
                                                          std::string_view key,
                                                          const create_params& params,
                                                          diagnostics* diag) {
  const intent_fields f{params.amount, params.currency, params.payment_method, params.description,
                        params.metadata};
  return new_intent(operation::create_intent, tenant, key, f, impl_->world->new_intent_id(), {},
                    impl_->options, impl_->ctx, diag);
}

payment_service::prepared payment_service::prepare_charge(std::string_view tenant,
                                                          std::string_view key,
                                                          const charge_params& params,
                                                          diagnostics* diag) {
  const intent_fields f{params.amount, params.currency, params.payment_method, params.description,
                        params.metadata};
  return new_intent(operation::charge, tenant, key, f, impl_->world->new_intent_id(),
                    params.wait_budget, impl_->options, impl_->ctx, diag);
}

payment_service::prepared payment_service::prepare_confirm(std::string_view tenant,
                                                           std::string_view key,
                                                           std::string_view intent,
                                                           const confirm_params& params,
                                                           diagnostics* diag) {
  mutation m;
  BOOST_OUTCOME_TRY(on_intent(m, operation::confirm, tenant, key, intent, "payment_method",
                              params.payment_method, diag));
  if (!params.payment_method.empty()) {
    BOOST_OUTCOME_TRY(validate_payment_method(params.payment_method, diag));
  }
  m.decide = [pm = params.payment_method, ctx = impl_->ctx](const payment_intent* current) {
    return detail::plan_confirm(*current, pm, ctx);
  };
  m.wait_budget = params.wait_budget.value_or(impl_->options.default_wait_budget);
  return ready(std::move(m));
}

payment_service::prepared payment_service::prepare_cancel(std::string_view tenant,
                                                          std::string_view key,
                                                          std::string_view intent,
                                                          const cancel_params& params,
                                                          diagnostics* diag) {
  mutation m;
  BOOST_OUTCOME_TRY(
      on_intent(m, operation::cancel, tenant, key, intent, "reason", params.reason, diag));
  BOOST_OUTCOME_TRY(validate_text("cancellation_reason", params.reason, 100, diag));
  m.decide = [reason = params.reason, ctx = impl_->ctx](const payment_intent* current) {
    return detail::plan_cancel(*current, reason, ctx);
  };
  return ready(std::move(m));
}

payment_service::prepared payment_service::prepare_authenticate(std::string_view tenant,
                                                                std::string_view key,
                                                                std::string_view intent,
                                                                const authenticate_params& params,
                                                                diagnostics* diag) {
  mutation m;
  BOOST_OUTCOME_TRY(address_intent(m, operation::authenticate, tenant, key, intent, diag));
  BOOST_OUTCOME_TRY(auto step,
                    detail::read_challenge_result(
                        params, impl_->options.authorize_when_authentication_unavailable, diag));
  // The authentication value never reaches the fingerprint (it is never stored).
  m.fingerprint_at = [id = *m.target, params](int version) {
    return detail::authenticate_fingerprint(id, params, version);
  };
  m.decide = [step, ctx = impl_->ctx](const payment_intent* current) {
    return detail::plan_authenticate(*current, step, ctx);
  };
  if (step.resume) m.authentication = detail::authentication_of(params, step);
  m.wait_budget = params.wait_budget.value_or(impl_->options.default_wait_budget);
  return ready(std::move(m));
}

result<payment_response> payment_service::create_intent(std::string_view tenant,
                                                        std::string_view key,
                                                        const create_params& params,
                                                        diagnostics* diag) {
  return run_sync(prepare_create(tenant, key, params, diag), diag);
}

result<payment_response> payment_service::charge(std::string_view tenant, std::string_view key,
                                                 const charge_params& params, diagnostics* diag) {
  return run_sync(prepare_charge(tenant, key, params, diag), diag);
}

result<payment_response> payment_service::confirm(std::string_view tenant, std::string_view key,
                                                  std::string_view intent,
                                                  const confirm_params& params, diagnostics* diag) {
  return run_sync(prepare_confirm(tenant, key, intent, params, diag), diag);
}

result<payment_response> payment_service::cancel(std::string_view tenant, std::string_view key,
                                                 std::string_view intent,
                                                 const cancel_params& params, diagnostics* diag) {
  return run_sync(prepare_cancel(tenant, key, intent, params, diag), diag);
}

result<payment_response> payment_service::authenticate(std::string_view tenant,
                                                       std::string_view key,
                                                       std::string_view intent,
                                                       const authenticate_params& params,
                                                       diagnostics* diag) {
  return run_sync(prepare_authenticate(tenant, key, intent, params, diag), diag);
}

result<payment_response> payment_service::run_sync(prepared m, diagnostics* diag) {
  if (!m) return m.error();
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  const auto deadline = impl_->world->now() + m.value()->wait_budget;
  // A leader's claim calls back inline; a follower's from the leader's thread.
  outcome_slot claimed(*impl_->world);
  impl_->claim_shared(m.value(), false, [&claimed](claim_outcome o) { claimed.set(std::move(o)); });
  return impl_->answer(claimed.take(), deadline, diag);
}

void payment_service::start_mutation(prepared m, diagnostics* diag,
                                     const completion_ptr<payment_response>& done) {
  auto entered = m ? impl_->enter(diag) : result<detail::activity::scope>(m.error());
  if (!entered) {
    // Never complete inside the initiating call.
    return impl_->post([done, ec = entered.error()] { (*done)(ec); });
  }
  // The budget counts from the call, so queueing for the pool is part of it.
  const auto deadline = impl_->world->now() + m.value()->wait_budget;
  impl_->claim_shared(m.value(), true, [this, deadline, diag, done](claim_outcome o) {
    impl_->answer_async(std::move(o), deadline, diag,
                        [done](result<payment_response> r) { (*done)(std::move(r)); });
  });
}

std::function<void()> payment_service::track_operation() {
  impl_->operations.begin();
  return [this] { impl_->operations.end(); };
}

void payment_service::on_pool(std::function<void()> job) {
  impl_->post(std::move(job));
}

boost::asio::any_io_executor payment_service::pool_executor() const {
  return impl_->pool.get_executor();
}

}  // namespace payintent
