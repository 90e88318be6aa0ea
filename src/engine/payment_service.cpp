#include "payintent/payment_service.hpp"

#include "engine/attempt_runner.hpp"
#include "engine/crash_point.hpp"
#include "engine/guarded.hpp"
#include "engine/planner.hpp"
#include "engine/reconciler.hpp"
#include "engine/recovery_loop.hpp"
#include "engine/three_ds_input.hpp"
#include "payintent/fingerprint.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <functional>
#include <thread>

namespace payintent {
namespace {

using detail::guarded;
using detail::plan;
using steady = std::chrono::steady_clock;

std::string default_node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host[0] ? host : "localhost", getpid());
}

error_code fail(errc code, diagnostics* diag, std::string message, bool replayed = false) {
  if (diag) {
    diag->message = std::move(message);
    diag->replayed = replayed;
  }
  return make_error_code(code);
}

error_code store_failure(const error_code& ec, diagnostics* diag) {
  return fail(errc(ec.value()) == errc::version_conflict ? errc::busy : errc(ec.value()), diag,
              fmt::format("the store failed: {}", ec.message()));
}

// The fields an intent is created with, in their canonical fingerprint order.
void add_intent_fields(fingerprint_builder& b, const money& amount, const std::string& pm,
                       const std::string& description,
                       const std::map<std::string, std::string>& metadata) {
  b.add("amount", amount.minor_units)
      .add("currency", amount.currency->code)
      .add("payment_method", pm)
      .add("description", description)
      .add("metadata", metadata);
}

// Everything that varies between the mutating operations; `run` does the rest.
struct mutation {
  operation op{};
  tenant_id tenant;
  idempotency_key key;
  std::function<std::string(int version)> fingerprint;
  std::optional<intent_id> target;  // loaded before deciding; nullopt for a new intent
  std::function<plan(const payment_intent* current)> decide;
  std::chrono::milliseconds wait_budget{0};
  // Sent with the attempt the plan starts (authenticate only); never stored.
  std::optional<three_ds_authentication> authentication;
};

}  // namespace

struct payment_service::impl {
  impl(idempotency_store& s, card_network& n, service_options o)
      : store(s),
        options(normalized(std::move(o))),
        ctx{options.node_id, options.attempt_lease.count()},
        runner(s, n, ctx),
        reconciler(s, n, ctx, {options.recovery_backoff, options.network_timeout}) {}

  static service_options normalized(service_options o) {
    if (o.node_id.empty()) o.node_id = default_node_id();
    return o;
  }

  result<payment_response> run(const mutation& m, diagnostics* diag);
  result<payment_response> replay(const key_record& existing, const mutation& m,
                                  diagnostics* diag);
  result<payment_response> answer(const payment_intent& intent, int attempt_number,
                                  std::chrono::milliseconds budget, bool replayed,
                                  diagnostics* diag,
                                  const detail::attempt_runner::ticket& own = nullptr);
  result<payment_intent> load(const tenant_id& tenant, const intent_id& id, diagnostics* diag);
  result<payment_intent> load_reconciled(const tenant_id& tenant, const intent_id& id,
                                         diagnostics* diag);
  result<bool> expire_challenge(payment_intent& intent, diagnostics* diag);
  void expire_challenges(std::size_t limit, recovery_report& report);

  idempotency_store& store;
  const service_options options;
  const detail::write_context ctx;
  detail::attempt_runner runner;
  detail::reconciler reconciler;
  detail::recovery_loop loop;  // last: stopped first, while the rest is alive
};

result<payment_response> payment_service::impl::run(const mutation& m, diagnostics* diag) {
  const std::string fingerprint = m.fingerprint(current_fingerprint_version);
  const auto in_use_deadline = steady::now() + options.key_in_use_wait;
  for (int round = 0; round < options.max_conflict_retries;) {
    std::optional<payment_intent> current;
    if (m.target) {
      BOOST_OUTCOME_TRY(current, load_reconciled(m.tenant, *m.target, diag));
    }
    plan p = m.decide(current ? &*current : nullptr);

    claim_request request;
    request.key.tenant = m.tenant;
    request.key.key = m.key;
    request.key.op = m.op;
    request.key.fingerprint = fingerprint;
    request.key.fingerprint_version = current_fingerprint_version;
    request.key.result.code = p.write ? 0 : static_cast<int>(p.rejection);
    request.key.result.message = p.write ? std::string() : p.message;
    request.key.result.intent = p.write ? p.write->intent.id : m.target.value_or(intent_id());
    request.key.result.attempt_number = p.started_attempt;
    request.retention_ms = options.key_retention.count();
    request.write = std::move(p.write);

    auto claimed = guarded([&] { return store.claim(request); });
    if (!claimed) {
      const auto code = errc(claimed.error().value());
      const bool raced = claimed.error().category() == payintent_category() &&
                         (code == errc::version_conflict || code == errc::fenced_out);
      if (raced) {
        ++round;
        continue;  // the intent moved on: decide again from what it is now
      }
      return store_failure(claimed.error(), diag);
    }
    switch (claimed.value().status) {
      case claim_status::claimed: {
        if (!request.write) return fail(p.rejection, diag, p.message);
        const payment_intent after =
            detail::after_write(current ? &*current : nullptr, *request.write, claimed.value().receipt);
        if (p.started_attempt == 0) return payment_response{after, false};
        detail::crash_point("claim.committed");
        auto ticket = runner.dispatch(after, p.started_attempt, m.authentication);
        return answer(after, p.started_attempt, m.wait_budget, false, diag, ticket);
      }
      case claim_status::replay:
        return replay(claimed.value().existing, m, diag);
      case claim_status::mismatch:
        // A key stored under an older encoding is compared in that encoding.
        if (claimed.value().existing.fingerprint_version != current_fingerprint_version &&
            m.fingerprint(claimed.value().existing.fingerprint_version) ==
                claimed.value().existing.fingerprint) {
          return replay(claimed.value().existing, m, diag);
        }
        return fail(errc::idempotency_key_reused, diag,
                    fmt::format("this idempotency key was already used for a {} request with "
                                "other parameters",
                                claimed.value().existing.op));
      case claim_status::in_progress:
        if (steady::now() >= in_use_deadline) {
          return fail(errc::idempotency_key_in_use, diag,
                      "a request with this idempotency key is still running; retry later");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
    }
  }
  return fail(errc::busy, diag, "the payment intent kept changing under this request; retry");
}

result<payment_response> payment_service::impl::replay(const key_record& existing,
                                                       const mutation& m, diagnostics* diag) {
  const stored_result& stored = existing.result;
  if (stored.code != 0) return fail(errc(stored.code), diag, stored.message, true);
  if (diag) diag->replayed = true;
  BOOST_OUTCOME_TRY(auto intent, load(m.tenant, stored.intent, diag));
  return answer(intent, stored.attempt_number, m.wait_budget, true, diag);
}

result<payment_response> payment_service::impl::answer(const payment_intent& intent,
                                                       int attempt_number,
                                                       std::chrono::milliseconds budget,
                                                       bool replayed, diagnostics* diag,
                                                       const detail::attempt_runner::ticket& own) {
  if (attempt_number == 0) return payment_response{intent, replayed};
  BOOST_OUTCOME_TRY(auto now, runner.await(intent.tenant, intent.id, attempt_number,
                                           steady::now() + budget, diag, own));
  return payment_response{std::move(now), replayed};
}

result<payment_intent> payment_service::impl::load(const tenant_id& tenant, const intent_id& id,
                                                   diagnostics* diag) {
  auto loaded = guarded([&] { return store.load(tenant, id); });
  if (!loaded) return store_failure(loaded.error(), diag);
  if (!loaded.value()) return fail(errc::not_found, diag, fmt::format("no such payment intent: {}", id));
  return std::move(*loaded.value());
}

result<payment_intent> payment_service::impl::load_reconciled(const tenant_id& tenant,
                                                             const intent_id& id,
                                                             diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto intent, load(tenant, id, diag));
  if (intent.status == intent_status::requires_action) {
    BOOST_OUTCOME_TRY(expire_challenge(intent, diag));
    return intent;
  }
  const attempt* last = intent.latest_attempt();
  if (!last || !is_unresolved(last->state)) return intent;
  auto now = guarded([&] { return store.now_ms(); });
  if (!now) return store_failure(now.error(), diag);
  if (!detail::reconciler::needs_reconciling(intent, now.value())) return intent;
  // The holder is gone: settle its attempt before deciding anything on it.
  auto settled = reconciler.reconcile(tenant, id, last->number);
  if (!settled) return store_failure(settled.error(), diag);
  return load(tenant, id, diag);
}

// Ends `intent`'s challenge if it outlived options.challenge_expiry, leaving
// `intent` as the store holds it after; true when this call ended it.
result<bool> payment_service::impl::expire_challenge(payment_intent& intent, diagnostics* diag) {
  for (int round = 0; round < options.max_conflict_retries; ++round) {
    auto now = guarded([&] { return store.now_ms(); });
    if (!now) return store_failure(now.error(), diag);
    if (!detail::challenge_expired(intent, now.value(), options.challenge_expiry.count())) {
      return false;
    }
    auto done = guarded([&] { return store.commit(detail::plan_challenge_expired(intent, ctx)); });
    if (!done && done.error() != errc::version_conflict) return store_failure(done.error(), diag);
    BOOST_OUTCOME_TRY(intent, load(intent.tenant, intent.id, diag));
    if (done) return true;
  }
  return fail(errc::busy, diag, "the payment intent kept changing under this request; retry");
}

// Recovery's share of challenge expiry: intents idle in requires_action
// longer than the expiry, as the store lists them.
void payment_service::impl::expire_challenges(std::size_t limit, recovery_report& report) {
  auto now = guarded([&] { return store.now_ms(); });
  if (!now) {
    ++report.errors;
    return;
  }
  auto listed = guarded([&] {
    return store.list_requires_action(now.value() - options.challenge_expiry.count(), limit);
  });
  if (!listed) {
    if (listed.error() != errc::not_supported) ++report.errors;
    return;
  }
  for (const requires_action_intent& waiting : listed.value()) {
    auto intent = load(waiting.tenant, waiting.intent, nullptr);
    auto ended = intent ? expire_challenge(intent.value(), nullptr) : result<bool>(intent.error());
    if (!ended) {
      if (ended.error() != errc::not_found) ++report.errors;
    } else if (ended.value()) {
      ++report.challenges_expired;
    }
  }
}

payment_service::payment_service(idempotency_store& store, card_network& network,
                                 service_options options)
    : impl_(std::make_unique<impl>(store, network, std::move(options))) {}

payment_service::~payment_service() = default;

const service_options& payment_service::options() const noexcept { return impl_->options; }

result<payment_response> payment_service::create_intent(std::string_view tenant,
                                                        std::string_view key,
                                                        const create_params& params,
                                                        diagnostics* diag) {
  mutation m;
  m.op = operation::create_intent;
  BOOST_OUTCOME_TRY(m.tenant, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(m.key, validate_idempotency_key(key, diag));
  BOOST_OUTCOME_TRY(auto amount,
                    validate_money(params.amount, params.currency, impl_->options.limits, diag));
  if (!params.payment_method.empty()) {
    BOOST_OUTCOME_TRY(validate_payment_method(params.payment_method, diag));
  }
  BOOST_OUTCOME_TRY(validate_text("description", params.description, 1000, diag));
  BOOST_OUTCOME_TRY(validate_metadata(params.metadata, diag));

  payment_intent fresh;
  fresh.id = generate_intent_id();
  fresh.tenant = m.tenant;
  fresh.amount = amount;
  fresh.payment_method = params.payment_method;
  fresh.description = params.description;
  fresh.metadata = params.metadata;
  m.fingerprint = [&](int version) {
    fingerprint_builder b(operation::create_intent, version);
    add_intent_fields(b, amount, params.payment_method, params.description, params.metadata);
    return b.hex_digest();
  };
  m.decide = [&](const payment_intent*) {
    plan p;
    p.write = detail::plan_create(fresh, impl_->ctx);
    return p;
  };
  return impl_->run(m, diag);
}

result<payment_response> payment_service::charge(std::string_view tenant, std::string_view key,
                                                 const charge_params& params,
                                                 diagnostics* diag) {
  mutation m;
  m.op = operation::charge;
  BOOST_OUTCOME_TRY(m.tenant, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(m.key, validate_idempotency_key(key, diag));
  BOOST_OUTCOME_TRY(auto amount,
                    validate_money(params.amount, params.currency, impl_->options.limits, diag));
  BOOST_OUTCOME_TRY(validate_payment_method(params.payment_method, diag));
  BOOST_OUTCOME_TRY(validate_text("description", params.description, 1000, diag));
  BOOST_OUTCOME_TRY(validate_metadata(params.metadata, diag));

  payment_intent fresh;
  fresh.id = generate_intent_id();
  fresh.tenant = m.tenant;
  fresh.amount = amount;
  fresh.payment_method = params.payment_method;
  fresh.description = params.description;
  fresh.metadata = params.metadata;
  m.fingerprint = [&](int version) {
    fingerprint_builder b(operation::charge, version);
    add_intent_fields(b, amount, params.payment_method, params.description, params.metadata);
    return b.hex_digest();
  };
  m.decide = [&](const payment_intent*) {
    plan p;
    p.write = detail::plan_charge(fresh, impl_->ctx);
    p.started_attempt = 1;
    return p;
  };
  m.wait_budget = params.wait_budget.value_or(impl_->options.default_wait_budget);
  return impl_->run(m, diag);
}

result<payment_response> payment_service::confirm(std::string_view tenant, std::string_view key,
                                                  std::string_view intent,
                                                  const confirm_params& params,
                                                  diagnostics* diag) {
  mutation m;
  m.op = operation::confirm;
  BOOST_OUTCOME_TRY(m.tenant, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(m.key, validate_idempotency_key(key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  if (!params.payment_method.empty()) {
    BOOST_OUTCOME_TRY(validate_payment_method(params.payment_method, diag));
  }
  m.target = id;
  m.fingerprint = [&](int version) {
    return fingerprint_builder(operation::confirm, version)
        .add("intent", id.str())
        .add("payment_method", params.payment_method)
        .hex_digest();
  };
  m.decide = [&](const payment_intent* current) {
    return detail::plan_confirm(*current, params.payment_method, impl_->ctx);
  };
  m.wait_budget = params.wait_budget.value_or(impl_->options.default_wait_budget);
  return impl_->run(m, diag);
}

result<payment_response> payment_service::cancel(std::string_view tenant, std::string_view key,
                                                 std::string_view intent,
                                                 const cancel_params& params,
                                                 diagnostics* diag) {
  mutation m;
  m.op = operation::cancel;
  BOOST_OUTCOME_TRY(m.tenant, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(m.key, validate_idempotency_key(key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(validate_text("cancellation_reason", params.reason, 100, diag));
  m.target = id;
  m.fingerprint = [&](int version) {
    return fingerprint_builder(operation::cancel, version)
        .add("intent", id.str())
        .add("reason", params.reason)
        .hex_digest();
  };
  m.decide = [&](const payment_intent* current) {
    return detail::plan_cancel(*current, params.reason, impl_->ctx);
  };
  return impl_->run(m, diag);
}

result<payment_response> payment_service::authenticate(std::string_view tenant,
                                                       std::string_view key,
                                                       std::string_view intent,
                                                       const authenticate_params& params,
                                                       diagnostics* diag) {
  mutation m;
  m.op = operation::authenticate;
  BOOST_OUTCOME_TRY(m.tenant, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(m.key, validate_idempotency_key(key, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(auto step,
                    detail::read_challenge_result(
                        params, impl_->options.authorize_when_authentication_unavailable, diag));
  m.target = id;
  m.fingerprint = [&](int version) {
    return detail::authenticate_fingerprint(id, params, version);
  };
  m.decide = [&](const payment_intent* current) {
    return detail::plan_authenticate(*current, step, impl_->ctx);
  };
  if (step.resume) m.authentication = detail::authentication_of(params, step);
  m.wait_budget = params.wait_budget.value_or(impl_->options.default_wait_budget);
  return impl_->run(m, diag);
}

result<payment_intent> payment_service::retrieve(std::string_view tenant, std::string_view intent,
                                                 diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto t, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  return impl_->load_reconciled(t, id, diag);
}

result<recovery_report> payment_service::recover(std::size_t limit, diagnostics* diag) {
  auto listed = guarded([&] { return impl_->store.list_unresolved(limit); });
  if (!listed) return store_failure(listed.error(), diag);
  recovery_report report;
  for (const unresolved_attempt& u : listed.value()) {
    ++report.examined;
    if (!u.lease_expired) {
      ++report.skipped;
      continue;
    }
    auto v = impl_->reconciler.reconcile(u.tenant, u.intent, u.attempt_number);
    if (!v) {
      ++report.errors;
      continue;
    }
    switch (v.value()) {
      case detail::verdict::skipped: ++report.skipped; break;
      case detail::verdict::adopted: ++report.adopted; break;
      case detail::verdict::voided: ++report.voided; break;
      case detail::verdict::retry_later: ++report.retried; break;
      case detail::verdict::review: ++report.reviewed; break;
    }
  }
  impl_->expire_challenges(limit, report);
  return report;
}

result<std::size_t> payment_service::purge_expired_keys(std::size_t batch, diagnostics* diag) {
  std::size_t total = 0;
  for (;;) {
    auto deleted = guarded([&] { return impl_->store.purge_expired_keys(batch); });
    if (!deleted) return store_failure(deleted.error(), diag);
    total += deleted.value();
    if (deleted.value() < batch || batch == 0) return total;
    detail::crash_point("purge.batch");
  }
}

void payment_service::start_recovery(boost::asio::any_io_executor executor,
                                     std::chrono::milliseconds interval, std::size_t batch) {
  impl_->loop.start(std::move(executor), interval, [this, batch] { (void)recover(batch); });
}

void payment_service::stop_recovery() noexcept { impl_->loop.stop(); }

result<std::vector<audit_entry>> payment_service::audit_trail(std::string_view tenant,
                                                              std::string_view intent,
                                                              diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto t, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(impl_->load(t, id, diag));  // another tenant's intent is not_found
  auto trail = guarded([&] { return impl_->store.audit_trail(t, id); });
  if (!trail) return store_failure(trail.error(), diag);
  return trail;
}

}  // namespace payintent
