// The simulated card network: draws every choice of a call up front, records
// what reaches the network in the ledger, and answers through `schedule`.
#include "sim_network.hpp"

#include "sim_ledger.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace payintent::sim {
namespace {

using std::chrono::milliseconds;

enum class behaviour : std::uint8_t {
  approve,
  decline,
  challenge,
  pending,
  unknown,
  not_sent,
  lost,
  late
};

// Every random choice of one authorization, drawn in a fixed order and number
// whatever the behaviour, so one call never shifts the draws of the next
// differently from run to run.
struct authorization_draws {
  behaviour kind = behaviour::approve;
  milliseconds latency{0};
  milliseconds pending_wait{0};
  bool pending_approves = true;
  bool unknown_moved = true;
  milliseconds late_wait{0};
  bool late_answers_after_arrival = false;
  milliseconds lost_wait{0};
};

// What happens to one authorization, decided under the mutex.
struct authorization_plan {
  bool arrives = false;
  milliseconds arrive_after{0};  // 0: it arrived during the call
  sim_decision decision = sim_decision::approved;
  std::string detail;  // transaction id or decline code, on arrival
  // A pending arrival: what it resolves to, and when, from its arrival.
  sim_decision resolves_to = sim_decision::approved;
  std::string resolved_detail;
  milliseconds resolve_after{0};
  network_outcome answer;
  milliseconds answer_after{0};
  bool answer_after_arrival = false;  // answer_after counts from the arrival
};

}  // namespace

struct sim_network::state {
  // An authentication complete_challenge minted.
  struct minted_authentication {
    std::string value;
    char trans_status = 'Y';
  };

  sim_world_hooks hooks;
  sim_network_options options;

  mutable std::mutex mutex;  // guards what follows
  bool faults = true;
  std::uint64_t serial = 0;
  sim_ledger ledger;
  std::map<std::string, minted_authentication> minted;  // by DS transaction id

  bool faults_now() const {
    std::lock_guard lock(mutex);
    return faults;
  }

  // Under the mutex.
  std::string next_id(std::string_view prefix) { return fmt::format("{}{:06}", prefix, ++serial); }

  milliseconds latency_bound(bool faulty) const {
    return faulty ? 2 * options.lease : options.quiet_latency;
  }

  authorization_draws draw(bool faulty) const {
    const sim_network_options& o = options;
    const double off = 0;
    const std::array<double, 8> weights{o.approve,
                                        o.decline,
                                        o.challenge,
                                        o.pending,
                                        faulty ? o.unknown : off,
                                        faulty ? o.not_sent : off,
                                        faulty ? o.lost : off,
                                        faulty ? o.late : off};
    authorization_draws d;
    d.kind = static_cast<behaviour>(sim_pick(hooks, weights));
    d.latency = sim_delay(hooks, latency_bound(faulty));
    d.pending_wait = sim_delay(hooks, latency_bound(faulty));
    d.pending_approves = sim_chance(hooks, o.pending_approves);
    d.unknown_moved = sim_chance(hooks, o.unknown_moved);
    d.late_wait = o.lease + sim_delay(hooks, 3 * o.lease);
    d.late_answers_after_arrival = sim_chance(hooks, o.late_answers_after_arrival);
    d.lost_wait = 2 * o.lease + sim_delay(hooks, 4 * o.lease);
    return d;
  }

  // Under the mutex. Whether `a` was minted by complete_challenge (Y, A) or
  // is an honest "unavailable" (U, no value); `consume` spends a minted one.
  bool accepts(const three_ds_authentication& a, bool consume) {
    if (a.trans_status == 'U') return a.authentication_value.empty();
    auto it = minted.find(a.ds_transaction_id);
    if (it == minted.end() || it->second.value != a.authentication_value ||
        it->second.trans_status != a.trans_status) {
      return false;
    }
    if (consume) minted.erase(it);
    return true;
  }

  // Under the mutex.
  authorization_plan plan(const authorization_request& r, const authorization_draws& d) {
    authorization_plan p;
    p.answer_after = d.latency;
    const std::string txn = next_id("ntx_");
    // What the network decides when the request reaches it.
    bool approve = d.kind != behaviour::decline;
    std::string decline_code = "generic_decline";
    if (r.authentication) {
      const bool arrives =
          d.kind != behaviour::not_sent && (d.kind != behaviour::unknown || d.unknown_moved);
      approve = accepts(*r.authentication, arrives);
      decline_code = "authentication_invalid";
    }
    p.decision = approve ? sim_decision::approved : sim_decision::declined;
    p.detail = approve ? txn : decline_code;
    const network_outcome decided =
        approve ? network_outcome::approved(txn) : network_outcome::declined(decline_code);

    switch (d.kind) {
      case behaviour::approve:
      case behaviour::decline:
        p.arrives = true;
        p.answer = decided;
        break;
      case behaviour::challenge:
        if (r.authentication) {  // already authenticated: decided on it
          p.arrives = true;
          p.answer = decided;
          break;
        }
        p.answer = network_outcome::challenge(next_action{
            "redirect_to_url", "https://acs.sim/challenge/" + r.reference, {}, next_id("3ds_")});
        break;
      case behaviour::pending:
        p.arrives = true;
        p.resolves_to =
            r.authentication || d.pending_approves ? p.decision : sim_decision::declined;
        p.resolved_detail = p.resolves_to == sim_decision::approved ? txn : decline_code;
        p.resolve_after = d.pending_wait;
        p.decision = sim_decision::pending;
        p.detail = txn;
        p.answer = network_outcome::pending();
        break;
      case behaviour::unknown:
        p.arrives = d.unknown_moved;
        p.answer = network_outcome::unknown("sim network: timeout");
        break;
      case behaviour::not_sent:
        p.answer = network_outcome::not_sent("sim network: connection refused");
        break;
      case behaviour::lost:
        p.arrives = true;
        p.answer = network_outcome::unknown("sim network: the answer was lost");
        p.answer_after = d.lost_wait;
        break;
      case behaviour::late:
        p.arrives = true;
        p.arrive_after = d.late_wait;
        p.answer_after_arrival = d.late_answers_after_arrival;
        p.answer =
            p.answer_after_arrival ? decided : network_outcome::unknown("sim network: timeout");
        break;
    }
    return p;
  }

  // Any task, without the mutex: records the arrival planned by `p`, then
  // schedules the pending resolution and the answer that follow it.
  static void arrive(const std::shared_ptr<state>& s, const std::string& reference,
                     const authorization_plan& p, const std::function<void()>& answer) {
    std::size_t index = 0;
    {
      std::lock_guard lock(s->mutex);
      index = s->ledger.arrive(reference, p.decision, p.detail);
    }
    if (p.decision == sim_decision::pending) {
      s->hooks.schedule(p.resolve_after, [s, reference, index, p] {
        std::lock_guard lock(s->mutex);
        s->ledger.resolve(reference, index, p.resolves_to, p.resolved_detail);
      });
    }
    if (answer) s->hooks.schedule(p.answer_after, answer);
  }
};

sim_network::sim_network(sim_world_hooks hooks, sim_network_options options)
    : state_(std::make_shared<state>()) {
  state_->hooks = std::move(hooks);
  state_->options = std::move(options);
  state_->faults = state_->options.faults;
}

sim_network::~sim_network() = default;

void sim_network::async_authorize(const authorization_request& request, authorize_handler handler) {
  const std::shared_ptr<state> s = state_;
  const authorization_draws d = s->draw(s->faults_now());
  authorization_plan p;
  {
    std::lock_guard lock(s->mutex);
    s->ledger.count_call(request.reference, request.intent.str());
    p = s->plan(request, d);
  }
  auto h = std::make_shared<authorize_handler>(std::move(handler));
  std::function<void()> answer = [h, o = p.answer]() mutable { std::move (*h)(std::move(o)); };
  if (!p.arrives) {
    s->hooks.schedule(p.answer_after, std::move(answer));
  } else if (p.arrive_after.count() == 0) {
    state::arrive(s, request.reference, p, answer);
  } else {
    if (!p.answer_after_arrival) s->hooks.schedule(p.answer_after, answer);
    s->hooks.schedule(p.arrive_after, [s, reference = request.reference, p, answer] {
      state::arrive(s, reference, p, p.answer_after_arrival ? answer : std::function<void()>{});
    });
  }
}

void sim_network::async_lookup(const std::string& reference, lookup_handler handler) {
  const std::shared_ptr<state> s = state_;
  const bool faulty = s->faults_now();
  const milliseconds latency = sim_delay(s->hooks, s->latency_bound(faulty));
  const bool fails = sim_chance(s->hooks, faulty ? s->options.lookup_error : 0.0);
  lookup_result found;
  if (!fails) {
    std::lock_guard lock(s->mutex);
    found = s->ledger.lookup(reference);
  }
  const error_code ec = fails ? make_error_code(errc::card_network_error) : error_code{};
  auto h = std::make_shared<lookup_handler>(std::move(handler));
  s->hooks.schedule(latency, [h, ec, found]() mutable { std::move (*h)(ec, std::move(found)); });
}

void sim_network::async_void(const std::string& reference, void_handler handler) {
  const std::shared_ptr<state> s = state_;
  const bool faulty = s->faults_now();
  const milliseconds latency = sim_delay(s->hooks, s->latency_bound(faulty));
  const bool fails = sim_chance(s->hooks, faulty ? s->options.void_error : 0.0);
  const bool applied = !fails || sim_chance(s->hooks, s->options.failed_void_applied);
  if (applied) {
    std::lock_guard lock(s->mutex);
    s->ledger.void_reference(reference);
  }
  const error_code ec = fails ? make_error_code(errc::card_network_error) : error_code{};
  auto h = std::make_shared<void_handler>(std::move(handler));
  s->hooks.schedule(latency, [h, ec]() mutable { std::move (*h)(ec); });
}

void sim_network::set_faults(bool on) {
  std::lock_guard lock(state_->mutex);
  state_->faults = on;
}

bool sim_network::faults() const {
  return state_->faults_now();
}

authenticate_params sim_network::complete_challenge(const std::string& three_ds_server_trans_id,
                                                    const std::string& trans_status) {
  authenticate_params p;
  p.three_ds_server_trans_id = three_ds_server_trans_id;
  p.trans_status = trans_status;
  p.message_version = "2.2.0";
  std::lock_guard lock(state_->mutex);
  p.ds_transaction_id = state_->next_id("ds_");
  if (trans_status == "Y" || trans_status == "A") {
    p.authentication_value = state_->next_id("cavv_");
    p.eci = trans_status == "Y" ? "05" : "06";
    state_->minted[p.ds_transaction_id] = {p.authentication_value, trans_status[0]};
  } else if (trans_status == "U") {
    p.eci = "07";
  }
  return p;
}

std::size_t sim_network::live_authorizations(const std::string& reference) const {
  std::lock_guard lock(state_->mutex);
  return state_->ledger.live(reference);
}

std::size_t sim_network::moved(const std::string& reference) const {
  std::lock_guard lock(state_->mutex);
  return state_->ledger.moved(reference);
}

bool sim_network::voided(const std::string& reference) const {
  std::lock_guard lock(state_->mutex);
  return state_->ledger.voided(reference);
}

std::size_t sim_network::authorize_calls(const std::string& reference) const {
  std::lock_guard lock(state_->mutex);
  return state_->ledger.calls(reference);
}

std::vector<std::string> sim_network::references() const {
  std::lock_guard lock(state_->mutex);
  return state_->ledger.references();
}

std::size_t sim_network::peak_live_authorizations(const intent_id& intent) const {
  std::lock_guard lock(state_->mutex);
  return state_->ledger.peak_live(intent.str());
}

}  // namespace payintent::sim
