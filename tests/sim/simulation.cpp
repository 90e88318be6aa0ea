#include "simulation.hpp"

#include "broken_variants.hpp"
#include "server_network.hpp"
#include "sim_network.hpp"
#include "sim_store.hpp"
#include "sim_world.hpp"

#include "payintent/memory_store.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/status.hpp"
#include "payintent/testing/broken_rules.hpp"
#include "payintent/transition.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace payintent::sim {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::string_view tenant = "acme";
constexpr milliseconds lease = 1000ms;
constexpr int initial_servers = 3;
constexpr int clients = 6;
// Faults, crashes and pauses until `chaos_ends`; then the run settles.
constexpr milliseconds chaos_ends = 10s;
constexpr milliseconds run_ends = 30s;

constexpr std::array<std::pair<broken_variant, std::string_view>, 6> variant_names{{
    {broken_variant::none, "none"},
    {broken_variant::no_fence, "no_fence"},
    {broken_variant::reauthorize, "reauthorize"},
    {broken_variant::no_void, "no_void"},
    {broken_variant::late_void, "late_void"},
    {broken_variant::undecided_void, "undecided_void"},
}};

// The engine's rule a variant breaks, if it breaks one there.
testing::broken_rule engine_rule(broken_variant v) {
  switch (v) {
    case broken_variant::late_void:
      return testing::broken_rule::late_void_from_snapshot;
    case broken_variant::undecided_void:
      return testing::broken_rule::void_without_decision;
    default:
      return testing::broken_rule::none;
  }
}

service_options server_options(const std::shared_ptr<sim_world>& world, int instance) {
  service_options o;
  o.node_id = fmt::format("server-{}", instance);
  o.attempt_lease = lease;
  o.default_wait_budget = 2s;
  o.key_in_use_wait = 500ms;
  o.network_timeout = 800ms;
  o.challenge_expiry = 6s;
  o.recovery_backoff = {250ms, 500ms, 1s, 2s, 4s, 8s};
  o.store_threads = 1;
  o.world = world;
  return o;
}

// One run's world, servers and clients. Lives until the process exits: the
// tasks of crashed servers stay parked on it.
class run {
 public:
  explicit run(const run_options& options)
      : world_(std::make_shared<sim_world>(options.seed)),
        inner_({.clock = [w = world_.get()] { return w->unix_ms(); }}),
        faulty_(inner_, world_->hooks(), sim_store_options{}),
        network_(world_->hooks(), sim_network_options{.lease = lease, .challenge = 0.15}) {
    idempotency_store* shared = &faulty_;
    if (options.broken == broken_variant::no_fence) {
      unfenced_.emplace(faulty_);
      shared = &*unfenced_;
    }
    store_.emplace(*world_, *shared);
    network_for_servers_ = &network_;
    if (options.broken == broken_variant::reauthorize ||
        options.broken == broken_variant::no_void) {
      breaker_.emplace(network_, options.broken == broken_variant::reauthorize
                                     ? rule_breaking_network::breaks::reauthorize
                                     : rule_breaking_network::breaks::no_void);
      network_for_servers_ = &*breaker_;
    }
    testing::break_rule(engine_rule(options.broken));
  }

  run_result go() {
    for (int i = 0; i < initial_servers; ++i) start_server();
    for (int c = 0; c < clients; ++c) {
      world_->spawn(
          sim_world::outside, [this, c] { client(c); },
          milliseconds(world_->uniform(0, chaos_ends.count() / 2)));
    }
    world_->spawn(sim_world::outside, [this] { chaos(); });
    world_->run_until(world::time_point(chaos_ends));
    note("faults off");
    faulty_.set_faults(false);
    network_.set_faults(false);
    world_->run_until(world::time_point(run_ends));
    return finish();
  }

 private:
  struct server {
    int instance = 0;
    std::unique_ptr<server_network> network;
    payment_service* service = nullptr;  // never destroyed: a crash leaves it mid-call
  };

  void note(std::string what) {
    log_.push_back(fmt::format("{:>6} ms  {}", world_->elapsed_ms(), what));
  }

  void start_server() {
    server s;
    s.instance = next_instance_++;
    s.network = std::make_unique<server_network>(*world_, *network_for_servers_, s.instance);
    auto options = server_options(world_, s.instance);
    options.on_transition = [this](const transition& t) { watch(t); };
    s.service = new payment_service(*store_, *s.network, options);
    note(fmt::format("server {} starts", s.instance));
    world_->spawn(s.instance, [this, svc = s.service] { recovery_loop(*svc); });
    servers_.push_back(std::move(s));
  }

  // Checked as the run goes, on every transition a server commits: a
  // terminal status (succeeded, canceled) is never left.
  void watch(const transition& t) {
    if (t.attempt_number != 0) return;
    const auto from = parse_intent_status(t.from);
    if (from && is_terminal(*from) && t.to != t.from) {
      during_run_.push_back(fmt::format("{}: left terminal {} for {} at {} ms ({})", t.intent.str(),
                                        t.from, t.to, world_->elapsed_ms(), t.event));
    }
  }

  // Recovery, as each server runs it: a pass, a pause, again; less often
  // once the faults stop, when a lease (1 s) is what it waits for.
  void recovery_loop(payment_service& service) {
    for (;;) {
      (void)service.recover(50);
      const bool calm = world_->elapsed_ms() >= chaos_ends.count();
      world_->sleep_for(
          milliseconds(calm ? world_->uniform(500, 1500) : world_->uniform(200, 600)));
    }
  }

  std::vector<server*> live_servers() {
    std::vector<server*> live;
    for (auto& s : servers_) {
      if (world_->alive(s.instance)) live.push_back(&s);
    }
    return live;
  }

  // Crashes, restarts and pauses while the faults last.
  void chaos() {
    while (world_->elapsed_ms() < chaos_ends.count()) {
      world_->sleep_for(milliseconds(world_->uniform(200, 2000)));
      if (world_->elapsed_ms() >= chaos_ends.count()) return;
      auto live = live_servers();
      server* victim = live[static_cast<std::size_t>(world_->uniform(0, std::ssize(live) - 1))];
      if (world_->uniform(0, 1) == 0 && live.size() > 1) {
        note(fmt::format("server {} crashes", victim->instance));
        world_->crash(victim->instance);
        world_->sleep_for(milliseconds(world_->uniform(0, 1500)));
        start_server();
      } else {
        const milliseconds pause(world_->uniform(lease.count() / 2, 3 * lease.count()));
        note(fmt::format("server {} pauses {} ms", victim->instance, pause.count()));
        world_->pause(victim->instance, pause);
      }
    }
  }

  // Sends `call` to a live server as a task of that server, `copies` times at
  // random moments: the client's retries, each possibly on another server.
  // An answer is logged when the server lives to give it.
  void send(const std::string& key, const std::string& op, int copies,
            std::function<result<payment_response>(payment_service&, const std::string&)> call) {
    for (int i = 0; i < copies; ++i) {
      if (i > 0) world_->sleep_for(milliseconds(world_->uniform(0, 3 * lease.count())));
      auto live = live_servers();
      server* s = live[static_cast<std::size_t>(world_->uniform(0, std::ssize(live) - 1))];
      note(fmt::format("{} {} -> server {}", op, key, s->instance));
      world_->spawn(s->instance, [this, key, op, call, svc = s->service] {
        auto r = call(*svc, key);
        client_answer a;
        a.tenant = std::string(tenant);
        a.key = key;
        a.op = op;
        a.ok = r.has_value();
        a.at_ms = world_->elapsed_ms();
        if (r) {
          a.intent_id = r.value().intent.id.str();
          a.status = r.value().intent.status;
          if (a.status == intent_status::requires_action && r.value().intent.next_action) {
            challenges_[a.intent_id] = *r.value().intent.next_action;
          }
          note(fmt::format("{} {} answered {} {}", op, key, a.intent_id, to_string(a.status)));
        } else {
          note(fmt::format("{} {} answered error {}", op, key, r.error().message()));
        }
        answers_.push_back(std::move(a));
      });
    }
  }

  // One customer: a charge retried with one key; then, by what it was told
  // and by the seed, a 3-D Secure challenge answered (Y or N), a cancel, or
  // a new confirm after a failure, each retried with a key of its own.
  void client(int c) {
    const std::string key = fmt::format("charge-{}-{:x}", c, world_->uniform(0, 1 << 30));
    keys_.push_back(key);
    charge_params p;
    p.amount = world_->uniform(100, 100'000);
    p.currency = "EUR";
    p.payment_method = "pm_card_visa";
    p.wait_budget = milliseconds(world_->uniform(100, 2500));
    send(key, "charge", static_cast<int>(world_->uniform(1, 3)),
         [p](payment_service& s, const std::string& k) { return s.charge(tenant, k, p); });
    for (int look = 0; look < 4; ++look) {
      world_->sleep_for(milliseconds(world_->uniform(200, 1500)));
      const client_answer* told = last_told(key);
      if (!told || told->status == intent_status::processing) continue;
      const auto choice = world_->uniform(0, 9);
      const std::string id = told->intent_id;
      if (told->status == intent_status::requires_action && choice < 7) {
        const auto auth = network_.complete_challenge(challenges_.at(id).three_ds_server_trans_id,
                                                      choice < 5 ? "Y" : "N");
        follow_up("authenticate", key, [id, auth](payment_service& s, const std::string& k) {
          return s.authenticate(tenant, k, id, auth);
        });
      } else if (told->status == intent_status::failed && choice < 5) {
        follow_up("confirm", key, [id](payment_service& s, const std::string& k) {
          return s.confirm(tenant, k, id, {});
        });
      } else if (choice < 7) {
        follow_up("cancel", key, [id](payment_service& s, const std::string& k) {
          return s.cancel(tenant, k, id, {});
        });
      }
      return;
    }
  }

  // A second request about the intent `key` made, under a key of its own.
  void follow_up(
      const std::string& op, const std::string& key,
      std::function<result<payment_response>(payment_service&, const std::string&)> call) {
    const std::string own = op + "-" + key;
    keys_.push_back(own);
    send(own, op, static_cast<int>(world_->uniform(1, 2)), std::move(call));
  }

  // The latest answer that named an intent for `key`.
  const client_answer* last_told(const std::string& key) const {
    const client_answer* last = nullptr;
    for (const auto& a : answers_) {
      if (a.key == key && a.ok) last = &a;
    }
    return last;
  }

  run_result finish() {
    run_result out;
    std::vector<intent_ref> intents;
    for (const auto& id : world_->minted_ids()) {
      auto loaded = inner_.load(tenant_id(std::string(tenant)), id);
      if (loaded && loaded.value()) intents.push_back({tenant_id(std::string(tenant)), id});
    }
    std::vector<key_ref> keys;
    for (const auto& k : keys_)
      keys.push_back({tenant_id(std::string(tenant)), idempotency_key(k)});
    out.found = during_run_;
    for (auto& v : check_all(inner_, network_, intents, keys, answers_)) {
      out.found.push_back(std::move(v));
    }
    std::string state;
    for (const auto& ref : intents) {
      auto loaded = inner_.load(ref.tenant, ref.intent);
      const payment_intent& i = *loaded.value();
      state += fmt::format("{} {} v{} a{};", i.id.str(), to_string(i.status), i.version,
                           i.attempts.size());
      note(fmt::format("final {} {} after {} attempt(s)", i.id.str(), to_string(i.status),
                       i.attempts.size()));
      if (auto trail = inner_.audit_trail(ref.tenant, ref.intent)) {
        for (const auto& e : trail.value()) {
          log_.push_back(fmt::format("{:>14} ms  {} a{} {} {}->{} fence {} {}",
                                     e.time_ms - world_->unix_ms() + world_->elapsed_ms(),
                                     e.node_id, e.attempt_number, e.event, e.from, e.to, e.fence,
                                     e.detail));
        }
      }
    }
    std::size_t h = std::hash<std::string>{}(state);
    for (const auto& line : log_) h = h * 31 + std::hash<std::string>{}(line);
    out.digest = fmt::format("{:016x}", h);
    out.log = std::move(log_);
    return out;
  }

  std::shared_ptr<sim_world> world_;
  memory_store inner_;
  sim_store faulty_;
  std::optional<unfenced_store> unfenced_;
  std::optional<server_store> store_;
  sim_network network_;
  std::optional<rule_breaking_network> breaker_;
  card_network* network_for_servers_ = nullptr;
  std::vector<server> servers_;
  int next_instance_ = 1;
  std::vector<std::string> keys_;
  std::vector<client_answer> answers_;
  std::map<std::string, next_action> challenges_;
  std::vector<std::string> log_;
  violations during_run_;
};

}  // namespace

bool parse_broken_variant(std::string_view name, broken_variant& out) {
  for (const auto& [v, n] : variant_names) {
    if (n == name) {
      out = v;
      return true;
    }
  }
  return false;
}

std::string_view to_string(broken_variant v) noexcept {
  for (const auto& [value, n] : variant_names) {
    if (value == v) return n;
  }
  return "?";
}

run_result run_simulation(const run_options& options) {
  auto* r = new run(options);  // never destroyed: see run
  return r->go();
}

}  // namespace payintent::sim
