#include "engine/service_impl.hpp"

#include "engine/real_world.hpp"
#include "engine/store_failure.hpp"
#include "payintent/detail/crash_point.hpp"
#include "payintent/fingerprint.hpp"
#include "payintent/store_kit.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <thread>

namespace payintent {
namespace {

using detail::admission;
using detail::admitted;
using detail::plan;
using detail::store_failure;

std::string default_node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host[0] ? host : "localhost", getpid());
}

service_options normalized(service_options o) {
  if (o.node_id.empty()) o.node_id = default_node_id();
  o.store_threads = std::max<std::size_t>(o.store_threads, 1);
  return o;
}

error_code fail(errc code, diagnostics* diag, std::string message, bool replayed = false) {
  if (diag) {
    diag->message = std::move(message);
    diag->replayed = replayed;
  }
  return make_error_code(code);
}

}  // namespace

payment_service::impl::impl(idempotency_store& s, card_network& n, service_options o)
    : options(normalized(std::move(o))),
      pool(options.store_threads),
      world(options.world ? options.world : detail::make_real_world(pool.get_executor())),
      store(s),
      ctx{options.node_id, options.attempt_lease.count()},
      commits(s, options.on_transition),
      runner(commits, n, ctx, *world, pool.get_executor(), options.network_timeout),
      reconciler(commits, n, ctx, *world, {options.recovery_backoff, options.network_timeout}) {
}

payment_service::impl::~impl() {
  shutdown();
  pool.join();  // the waits' timers and polls, until each has answered
}

void payment_service::impl::shutdown() noexcept {
  calls.close();
  loop.stop();
  if (pool.get_executor().running_in_this_thread()) return;
  std::lock_guard lock(shutdown_mutex);
  calls.wait_idle();       // after it, nothing new can start
  operations.wait_idle();  // each ends at its outcome or its wait budget
  jobs.wait_idle();        // claims still running may yet dispatch attempts
  runner.drain();          // attempts whose callers were answered at their budget
}

result<detail::activity::scope> payment_service::impl::enter(diagnostics* diag) {
  if (!calls.try_begin()) {
    return fail(errc::shutting_down, diag, "the service is shutting down; retry on another server");
  }
  return detail::activity::scope(&calls);
}

void payment_service::impl::post(std::function<void()> job) {
  jobs.begin();
  world->post([this, job = std::move(job)] {
    const detail::activity::scope counted(&jobs);
    job();
  });
}

admission payment_service::impl::admit(const detail::mutation& m) {
  admission out;
  diagnostics* diag = &out.diag;
  auto reject = [&](error_code ec) {
    out.accepted = ec;
    return out;
  };
  const std::optional<intent_id> target = detail::target_of(m.what);
  const auto in_use_deadline = world->now() + options.key_in_use_wait;
  for (int round = 0; round < options.max_conflict_retries;) {
    std::optional<payment_intent> current;
    if (target) {
      auto loaded = load_reconciled(m.tenant, *target, diag);
      if (!loaded) return reject(loaded.error());
      current = std::move(loaded).value();
    }
    const payment_intent* before = current ? &*current : nullptr;
    plan p = detail::decide(m.what, before, ctx);

    claim_request request;
    request.key.tenant = m.tenant;
    request.key.key = m.key;
    request.key.op = detail::operation_of(m.what);
    request.key.fingerprint = m.fingerprint;
    request.key.fingerprint_version = current_fingerprint_version;
    request.key.result.code = p.write ? 0 : static_cast<int>(p.rejection);
    request.key.result.message = p.write ? std::string() : p.message;
    request.key.result.intent = p.write ? p.write->intent.id : target.value_or(intent_id());
    request.key.result.attempt_number = p.started_attempt;
    request.retention_ms = options.key_retention.count();
    request.write = std::move(p.write);

    auto claimed = commits.claim(before, std::move(request));
    if (!claimed) {
      const bool raced =
          claimed.error() == errc::version_conflict || claimed.error() == errc::fenced_out;
      if (raced) {
        ++round;
        continue;  // the intent moved on: decide again from what it is now
      }
      return reject(store_failure(claimed.error(), diag));
    }
    const key_record& existing = claimed.value().result.existing;
    switch (claimed.value().result.status) {
      case claim_status::claimed: {
        if (!claimed.value().after) return reject(fail(p.rejection, diag, p.message));
        payment_intent& after = *claimed.value().after;
        admitted a;
        a.tenant = after.tenant;
        a.id = after.id;
        a.attempt_number = p.started_attempt;
        if (a.attempt_number > 0) {
          detail::crash_point("claim.committed");
          a.own = runner.dispatch(std::move(after), a.attempt_number, m.authentication);
        } else {
          a.intent = std::move(after);
        }
        out.accepted = std::move(a);
        return out;
      }
      case claim_status::replay:
        out.accepted = replay(existing, m, diag);
        return out;
      case claim_status::mismatch:
        // A key stored under an older encoding is compared in that encoding.
        if (existing.fingerprint_version != current_fingerprint_version &&
            detail::fingerprint_of(m.what, existing.fingerprint_version) ==
                existing.fingerprint) {
          out.accepted = replay(existing, m, diag);
          return out;
        }
        return reject(fail(errc::idempotency_key_reused, diag,
                           fmt::format("this idempotency key was already used for a {} request "
                                       "with other parameters",
                                       existing.op)));
      case claim_status::in_progress:
        if (world->now() >= in_use_deadline) {
          return reject(fail(errc::idempotency_key_in_use, diag,
                             "a request with this idempotency key is still running; retry later"));
        }
        world->sleep_for(std::chrono::milliseconds(10));
        continue;
    }
  }
  return reject(
      fail(errc::busy, diag, "the payment intent kept changing under this request; retry"));
}

void payment_service::impl::admit_shared(const std::shared_ptr<const detail::mutation>& m,
                                         bool async, std::function<void(admission)> then) {
  const auto role = coalesce.join(m, then);
  if (role == detail::coalescer::role::follow) return;
  auto lead = [this, m, role, then = std::move(then)] {
    admission o = admit(*m);
    if (role == detail::coalescer::role::lead) coalesce.publish(m->tenant, m->key, o);
    then(std::move(o));
  };
  if (async) {
    post(std::move(lead));
  } else {
    lead();
  }
}

result<payment_response> payment_service::impl::answer(admission o, steady::time_point deadline,
                                                       diagnostics* diag) {
  if (diag) *diag = o.diag;
  BOOST_OUTCOME_TRY(auto a, std::move(o.accepted));
  if (a.attempt_number == 0) return payment_response{std::move(*a.intent), a.replayed, 0};
  auto now = runner.await(a.tenant, a.id, a.attempt_number, deadline, diag, a.own);
  if (!now) return now.error();
  return payment_response{std::move(now).value(), a.replayed, a.attempt_number};
}

void payment_service::impl::answer_async(admission o, steady::time_point deadline,
                                         diagnostics* diag, answered done) {
  if (diag) *diag = o.diag;
  if (!o.accepted) return done(o.accepted.error());
  admitted& a = o.accepted.value();
  if (a.attempt_number == 0) return done(payment_response{std::move(*a.intent), a.replayed, 0});
  runner.async_await(a.tenant, a.id, a.attempt_number, deadline, diag, a.own,
                     [done = std::move(done), replayed = a.replayed,
                      number = a.attempt_number](result<payment_intent> r) {
                       if (!r) return done(r.error());
                       done(payment_response{std::move(r).value(), replayed, number});
                     });
}

result<admitted> payment_service::impl::replay(const key_record& existing,
                                                   const detail::mutation& m, diagnostics* diag) {
  const stored_result& stored = existing.result;
  if (stored.code != 0) return fail(errc(stored.code), diag, stored.message, true);
  if (diag) diag->replayed = true;
  BOOST_OUTCOME_TRY(auto intent, load(m.tenant, stored.intent, diag));
  admitted a{intent.tenant, intent.id, std::nullopt, stored.attempt_number, true, nullptr};
  if (a.attempt_number == 0) a.intent = std::move(intent);
  return a;
}

result<payment_intent> payment_service::impl::load(const tenant_id& tenant, const intent_id& id,
                                                   diagnostics* diag) {
  auto loaded = store_kit::guard([&] { return store.load(tenant, id); });
  if (!loaded) return store_failure(loaded.error(), diag);
  if (!loaded.value())
    return fail(errc::not_found, diag, fmt::format("no such payment intent: {}", id));
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
  auto now = store_kit::guard([&] { return store.now_ms(); });
  if (!now) return store_failure(now.error(), diag);
  if (!detail::reconciler::needs_reconciling(intent, now.value())) return intent;
  // The holder is gone: settle its attempt before deciding anything on it.
  auto settled = reconciler.reconcile(tenant, id, last->number);
  if (!settled) return store_failure(settled.error(), diag);
  return load(tenant, id, diag);
}

result<bool> payment_service::impl::expire_challenge(payment_intent& intent, diagnostics* diag) {
  for (int round = 0; round < options.max_conflict_retries; ++round) {
    auto now = store_kit::guard([&] { return store.now_ms(); });
    if (!now) return store_failure(now.error(), diag);
    if (!detail::challenge_expired(intent, now.value(), options.challenge_expiry.count())) {
      return false;
    }
    auto ended = commits.commit(intent, detail::plan_challenge_expired(intent, ctx));
    if (ended) {
      intent = std::move(ended).value();
      return true;
    }
    if (ended.error() != errc::version_conflict) return store_failure(ended.error(), diag);
    BOOST_OUTCOME_TRY(intent, load(intent.tenant, intent.id, diag));
  }
  return fail(errc::busy, diag, "the payment intent kept changing under this request; retry");
}

void payment_service::impl::expire_challenges(std::size_t limit, recovery_report& report) {
  sweep(
      options.challenge_expiry,
      [&](std::int64_t cutoff) { return store.list_requires_action(cutoff, limit); },
      [&](const requires_action_intent& waiting) -> result<bool> {
        BOOST_OUTCOME_TRY(auto intent, load(waiting.tenant, waiting.intent, nullptr));
        return expire_challenge(intent, nullptr);
      },
      report.challenges_expired, report);
}

void payment_service::impl::expire_holds(std::size_t limit, recovery_report& report) {
  sweep(
      options.authorization_expiry,
      [&](std::int64_t cutoff) { return store.list_requires_capture(cutoff, limit); },
      [&](const requires_capture_intent& held) { return expire_hold(held); }, report.holds_expired,
      report);
}

result<bool> payment_service::impl::expire_hold(const requires_capture_intent& held) {
  const std::int64_t expiry = options.authorization_expiry.count();
  for (int round = 0; round < options.max_conflict_retries; ++round) {
    BOOST_OUTCOME_TRY(auto intent, load(held.tenant, held.intent, nullptr));
    auto now = store_kit::guard([&] { return store.now_ms(); });
    if (!now) return now.error();
    // Captured, canceled or released meanwhile: nothing is held any more.
    if (!detail::hold_expired(intent, now.value(), expiry)) return false;
    plan p = detail::plan_hold_expired(intent, expiry, ctx);
    if (!p.write) return false;
    // The release attempt is durable, under its fence and lease, before the
    // network hears of it: of two passes racing here one commits, and a pass
    // that dies after the commit leaves an attempt recovery looks up.
    auto started = commits.commit(intent, std::move(*p.write));
    if (!started) {
      if (started.error() == errc::version_conflict) continue;
      return started.error();
    }
    (void)runner.dispatch(std::move(started).value(), p.started_attempt);
    return true;
  }
  return make_error_code(errc::busy);
}

payment_service::payment_service(idempotency_store& store, card_network& network,
                                 service_options options)
    : impl_(std::make_unique<impl>(store, network, std::move(options))) {
}

payment_service::~payment_service() = default;

const service_options& payment_service::options() const noexcept {
  return impl_->options;
}

result<payment_intent> payment_service::retrieve(std::string_view tenant, std::string_view intent,
                                                 diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  BOOST_OUTCOME_TRY(auto t, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  return impl_->load_reconciled(t, id, diag);
}

result<recovery_report> payment_service::recover(std::size_t limit, diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  auto listed = store_kit::guard([&] { return impl_->store.list_unresolved(limit); });
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
      case detail::verdict::skipped:
        ++report.skipped;
        break;
      case detail::verdict::adopted:
        ++report.adopted;
        break;
      case detail::verdict::voided:
        ++report.voided;
        break;
      case detail::verdict::retry_later:
        ++report.retried;
        break;
      case detail::verdict::review:
        ++report.reviewed;
        break;
    }
  }
  impl_->expire_challenges(limit, report);
  impl_->expire_holds(limit, report);
  return report;
}

result<std::size_t> payment_service::purge_expired_keys(std::size_t batch, diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  std::size_t total = 0;
  for (;;) {
    auto deleted = store_kit::guard([&] { return impl_->store.purge_expired_keys(batch); });
    if (!deleted) return store_failure(deleted.error(), diag);
    total += deleted.value();
    if (deleted.value() < batch || batch == 0) return total;
    detail::crash_point("purge.batch");
  }
}

result<std::size_t> payment_service::purge_events(std::size_t batch, diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  auto now = store_kit::guard([&] { return impl_->store.now_ms(); });
  if (!now) return store_failure(now.error(), diag);
  const std::int64_t cutoff = now.value() - impl_->options.event_retention.count();
  std::size_t total = 0;
  for (;;) {
    auto deleted = store_kit::guard([&] { return impl_->store.purge_events(cutoff, batch); });
    if (!deleted) return store_failure(deleted.error(), diag);
    total += deleted.value();
    if (deleted.value() < batch || batch == 0) return total;
  }
}

void payment_service::start_recovery(boost::asio::any_io_executor executor,
                                     std::chrono::milliseconds interval, std::size_t batch) {
  if (impl_->calls.closed()) return;  // shutting down: no new loop
  impl_->loop.start(std::move(executor), interval, [this, batch] { (void)recover(batch); });
}

void payment_service::stop_recovery() noexcept {
  impl_->loop.stop();
}

void payment_service::shutdown() noexcept {
  impl_->shutdown();
}

result<std::vector<audit_entry>> payment_service::audit_trail(std::string_view tenant,
                                                              std::string_view intent,
                                                              diagnostics* diag) {
  BOOST_OUTCOME_TRY(auto entered, impl_->enter(diag));
  BOOST_OUTCOME_TRY(auto t, validate_tenant(tenant, diag));
  BOOST_OUTCOME_TRY(auto id, validate_intent_id(intent, diag));
  BOOST_OUTCOME_TRY(impl_->load(t, id, diag));  // another tenant's intent is not_found
  auto trail = store_kit::guard([&] { return impl_->store.audit_trail(t, id); });
  if (!trail) return store_failure(trail.error(), diag);
  return trail;
}

}  // namespace payintent
