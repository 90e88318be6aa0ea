// The fake card network: decides by token (or script), records money moved at
// the moment the request "arrives", then answers after simulated latency.
#include "payintent/testing/fake_card_network.hpp"

#include "engine/sharded_map.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/container_hash/hash.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace payintent::testing {
namespace {

// An authentication complete_challenge minted, by DS transaction id.
struct minted_authentication {
  std::string value;
  char trans_status = 'Y';
};

// What lookup finds under a reference: money moved (with its transaction
// id) or a decline (with its code). Kept small: a load test leaves millions.
struct recorded_outcome {
  bool approved = false;
  std::string detail;  // transaction id or decline code

  network_outcome outcome() const {
    return approved ? network_outcome::approved(detail) : network_outcome::declined(detail);
  }
};

struct reference_ledger {
  std::uint32_t calls = 0;
  std::uint32_t authorizations = 0;
  bool voided = false;
  std::optional<recorded_outcome> recorded;
  // A capture, release or refund: what it was, and how often and how much it
  // was carried out (calls counts it too).
  std::optional<attempt_kind> follow_up;
  std::uint32_t carried_out = 0;
  std::int64_t amount = 0;
};

// A reference with its hash computed once: a load test grows the ledger to
// millions of references, and rehashing every text at each growth step
// would cost more than the rest of the fake.
struct reference_key {
  explicit reference_key(const std::string& t) : text(t), hash(boost::hash<std::string>{}(text)) {}
  std::string text;
  std::size_t hash;
  friend bool operator==(const reference_key& a, const reference_key& b) noexcept {
    return a.hash == b.hash && a.text == b.text;
  }
};

struct reference_key_hash {
  std::size_t operator()(const reference_key& k) const noexcept { return k.hash; }
};

}  // namespace

struct fake_card_network::state {
  fake_network_options options;
  int journal_fd = -1;
  std::atomic<bool> accepting{true};
  boost::asio::thread_pool pool;

  // An approval of a token takes no lock but its reference's ledger shard:
  // two threads charging at once share no lock and no counter.
  mutable std::mutex mutex;  // guards what follows, up to the ledger
  std::deque<network_outcome> script;
  // Per follow-up kind: the scripted answers; nullopt throws.
  std::map<attempt_kind, std::deque<std::optional<network_outcome>>> follow_up_script;
  std::size_t voids = 0;
  std::unordered_map<std::string, minted_authentication> minted;
  std::vector<authorization_request> requests;
  // script.size(), readable without the mutex: most calls find no script.
  std::atomic<std::size_t> scripted{0};

  // Per reference, under each shard's own mutex (taken after `mutex`, never
  // before): a load test leaves millions of references here. A thread
  // records in its own home shard, so two threads charging at once share no
  // lock, no table and no cache line, and one thread's table growing never
  // stalls another. A reference recorded from several threads (a retry, a
  // void from recovery, or a double authorization a test is there to catch)
  // has a ledger in each of their shards; readers see their merge.
  using ledger_shards =
      detail::sharded_map<reference_key, reference_ledger, reference_key_hash, 16>;
  mutable ledger_shards by_reference;

  // Runs `fn(ledger)` on `reference`'s ledger in this thread's home shard,
  // creating it if needed.
  template <class Fn>
  void record(const std::string& reference, Fn&& fn) {
    auto& shard = by_reference.at(ledger_shards::home_index());
    std::lock_guard lock(shard.mutex);
    fn(shard.map.try_emplace(reference_key(reference)).first->second);
  }

  // Everything recorded under `reference` on any thread: counts summed,
  // voided if any void reached it, the outcome lookup finds. nullopt when
  // nothing was.
  std::optional<reference_ledger> merged(const std::string& reference) const {
    const reference_key key(reference);
    std::optional<reference_ledger> out;
    by_reference.for_each_shard([&](const auto& map) {
      auto it = map.find(key);
      if (it == map.end()) return;
      const reference_ledger& l = it->second;
      if (!out) out.emplace();
      out->calls += l.calls;
      out->authorizations += l.authorizations;
      out->voided = out->voided || l.voided;
      if (l.recorded) out->recorded = l.recorded;
      if (l.follow_up) out->follow_up = l.follow_up;
      out->carried_out += l.carried_out;
      out->amount += l.amount;
    });
    return out;
  }

  explicit state(fake_network_options o)
      : options(std::move(o)), pool(options.threads == 0 ? 1 : options.threads) {
    if (!options.journal_path.empty()) {
      journal_fd =
          ::open(options.journal_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (journal_fd < 0)
        throw std::system_error(errno, std::generic_category(), "open fake network journal");
    }
  }

  ~state() {
    if (journal_fd >= 0) ::close(journal_fd);
  }

  // One write(2) per line: with O_APPEND the kernel never interleaves it with
  // another process's line.
  void journal(const std::string& line) const {
    if (journal_fd < 0) return;
    [[maybe_unused]] auto n = ::write(journal_fd, line.data(), line.size());
  }

  // Any thread. This thread's random source: calls on other threads never
  // wait for it or share its cache lines.
  static std::mt19937_64& rng() {
    thread_local std::mt19937_64 source{std::random_device{}()};
    return source;
  }

  // Any thread. "<prefix>" then 16 random and 4 serial hex digits; on every
  // approval, so built without a format string.
  static std::string generate_id(std::string_view prefix) {
    constexpr std::string_view hex = "0123456789abcdef";
    thread_local std::uint64_t next_serial = 1;
    std::string id(prefix.size() + 20, '0');
    std::uint64_t random = rng()();
    std::uint64_t serial = next_serial++ & 0xffff;
    for (std::size_t i = id.size(); i-- > id.size() - 4; serial >>= 4) id[i] = hex[serial & 0xf];
    for (std::size_t i = id.size() - 4; i-- > prefix.size(); random >>= 4) {
      id[i] = hex[random & 0xf];
    }
    prefix.copy(id.data(), prefix.size());
    return id;
  }

  // Any thread.
  std::chrono::milliseconds pick_latency() const {
    auto lo = options.min_latency.count();
    auto hi = options.max_latency.count();
    if (hi <= 0) return std::chrono::milliseconds{0};
    if (lo > hi) lo = hi;
    if (lo < 0) lo = 0;
    std::uniform_int_distribution<long long> dist(lo, hi);
    return std::chrono::milliseconds{dist(rng())};
  }

  // The sum of `field` over the ledgers of follow-up `kind`'s references
  // (nullopt: of authorizations).
  template <class Sum = std::size_t, class Field>
  Sum total(Field reference_ledger::*field, std::optional<attempt_kind> kind = std::nullopt) const {
    Sum sum = 0;
    by_reference.for_each_shard([&](const auto& map) {
      for (const auto& [reference, ledger] : map) {
        if (ledger.follow_up == kind) sum += ledger.*field;
      }
    });
    return sum;
  }

  // A lookup of `reference` in the ledger, then the journal. Takes `mutex`.
  lookup_result find(const std::string& reference) const;
  // A capture, release or refund, decided and recorded as it arrives.
  void follow_up(const follow_up_request& request, card_network::follow_up_handler handler);

  // Runs `fn` inline for zero latency, else on the pool after the delay. The
  // callback holds no reference to this state, so the pool can be joined in
  // the destructor while callbacks still run.
  template <class Fn>
  void complete_after(std::chrono::milliseconds delay, Fn&& fn) {
    if (delay.count() <= 0) {
      fn();
      return;
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(pool, delay);
    timer->async_wait(
        [timer, fn = std::forward<Fn>(fn)](const boost::system::error_code&) mutable { fn(); });
  }

  // Whether `a` is an authentication complete_challenge minted (Y, A) or an
  // honest "unavailable" (U, no value). Each is good once. Takes `mutex`.
  bool accepts_once(const three_ds_authentication& a) {
    if (a.trans_status == 'U') return a.authentication_value.empty();
    std::lock_guard lock(mutex);
    auto it = minted.find(a.ds_transaction_id);
    if (it == minted.end() || it->second.value != a.authentication_value ||
        it->second.trans_status != a.trans_status) {
      return false;
    }
    minted.erase(it);
    return true;
  }

  // The journal line of money moved under `r` (none without a journal).
  std::string money_moved_line(const authorization_request& r) const {
    if (journal_fd < 0) return {};
    return fmt::format("authorize {} {} {}\n", r.reference, r.amount.minor_units,
                       r.amount.currency ? r.amount.currency->code : std::string_view{"???"});
  }
};

lookup_result fake_card_network::state::find(const std::string& reference) const {
  lookup_result found;
  if (const auto known = merged(reference)) {
    if (known->recorded) {
      found.found = true;
      found.outcome = known->recorded->outcome();
      found.voided = known->voided;
    }
  } else if (!options.journal_path.empty()) {
    // Another process (perhaps one that crashed) may have sent it: the
    // journal is the network's durable memory.
    const journal_entry seen = read_journal_entry(options.journal_path, reference);
    if (seen.authorized) {
      found.found = true;
      found.outcome = network_outcome::approved();
      found.voided = seen.voided;
    }
  }
  return found;
}

void fake_card_network::state::follow_up(const follow_up_request& request,
                                         card_network::follow_up_handler handler) {
  std::optional<network_outcome> outcome;
  bool from_script = false;
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mutex);
    delay = pick_latency();
    auto& queue = follow_up_script[request.kind];
    if (!queue.empty()) {
      outcome = std::move(queue.front());
      queue.pop_front();
      from_script = true;
    }
  }
  const auto previous = merged(request.reference);
  if (from_script && !outcome) {
    record(request.reference, [&](reference_ledger& l) {
      ++l.calls;
      l.follow_up = request.kind;
    });
    throw std::runtime_error("fake card network: from_script throw");
  }
  if (!accepting) {
    delay = std::chrono::milliseconds{0};
    outcome = network_outcome::not_sent("fake card network is shutting down");
  } else if (previous && previous->voided) {
    outcome = network_outcome::declined("reference_voided");  // the void refuses late arrivals
  } else if (!outcome) {
    outcome = network_outcome::approved(generate_id("ntx_"));
  }
  const bool moved = outcome->kind == outcome_kind::approved ||
                     outcome->kind == outcome_kind::pending ||
                     outcome->kind == outcome_kind::unknown;
  std::optional<recorded_outcome> recorded;
  if (moved) {
    std::string txn = outcome->network_transaction_id.empty() ? generate_id("ntx_")
                                                               : outcome->network_transaction_id;
    if (outcome->kind == outcome_kind::approved) outcome->network_transaction_id = txn;
    recorded = recorded_outcome{true, std::move(txn)};
  } else if (outcome->kind == outcome_kind::declined) {
    recorded = recorded_outcome{false, outcome->decline_code};
  }
  const std::int64_t amount = request.amount.minor_units;
  record(request.reference, [&](reference_ledger& l) {
    ++l.calls;
    l.follow_up = request.kind;
    if (moved) {
      ++l.carried_out;
      l.amount += amount;
    }
    if (recorded) l.recorded = std::move(recorded);
  });
  if (moved && request.kind == attempt_kind::release) {
    record(request.authorization_reference, [](reference_ledger& l) { l.voided = true; });
  }
  if (moved) {
    journal(fmt::format("{} {} {}\n", to_string(request.kind), request.reference, amount));
  }
  complete_after(delay, [h = std::move(handler), o = std::move(*outcome)]() mutable {
    std::move(h)(error_code{}, std::move(o));
  });
}

fake_card_network::fake_card_network(fake_network_options options)
    : state_(std::make_shared<state>(std::move(options))) {
}

fake_card_network::~fake_card_network() {
  state_->accepting = false;
  // Timers already waiting still fire; join returns once every handler ran.
  state_->pool.join();
}

void fake_card_network::async_authorize(const authorization_request& request,
                                        authorize_handler handler) {
  auto& s = *state_;
  network_outcome outcome;
  std::optional<recorded_outcome> recorded;  // what lookup will find, if anything
  bool moved = false;
  std::string journal_line;
  std::chrono::milliseconds delay{0};
  {
    std::optional<network_outcome> scripted;
    if (s.options.keep_requests || s.scripted.load() > 0) {
      std::lock_guard lock(s.mutex);
      if (s.options.keep_requests) s.requests.push_back(request);
      if (!s.script.empty()) {
        scripted = std::move(s.script.front());
        s.script.pop_front();
        --s.scripted;
      }
    }
    if (!scripted && request.payment_method == pm_throw) {
      // Counted as a call (it was made) but no money moved and no outcome.
      s.record(request.reference, [](reference_ledger& l) { ++l.calls; });
      throw std::runtime_error("fake card network: scripted throw");
    }
    delay = s.pick_latency();

    const std::string& pm = request.payment_method;
    if (!s.accepting) {
      delay = std::chrono::milliseconds{0};  // the pool is being joined
      outcome = network_outcome::not_sent("fake card network is shutting down");
    } else if (scripted) {
      outcome = std::move(*scripted);
    } else if (pm == pm_decline) {
      outcome = network_outcome::declined("generic_decline");
    } else if (pm == pm_insufficient_funds) {
      outcome = network_outcome::declined("insufficient_funds");
    } else if (request.authentication && !s.accepts_once(*request.authentication)) {
      outcome = network_outcome::declined("authentication_invalid");
    } else if (pm == pm_challenge && !request.authentication) {
      next_action action;
      action.type = "redirect_to_url";
      action.redirect_url = "https://acs.example/challenge/" + request.reference;
      action.three_ds_server_trans_id = s.generate_id("3ds_");
      outcome = network_outcome::challenge(std::move(action));
    } else if (pm == pm_frictionless) {
      outcome = network_outcome::approved();
      outcome.message = "3-D Secure frictionless: authenticated without a challenge";
    } else if (pm == pm_pending) {
      outcome = network_outcome::pending();
    } else if (pm == pm_unknown) {
      outcome = network_outcome::unknown("fake card network: simulated timeout");
    } else if (pm == pm_not_sent) {
      outcome = network_outcome::not_sent("fake card network: simulated connect failure");
    } else {
      outcome = network_outcome::approved(s.generate_id("ntx_"));
    }

    switch (outcome.kind) {
      case outcome_kind::approved:
      case outcome_kind::pending:
      case outcome_kind::unknown: {
        std::string txn = outcome.network_transaction_id.empty() ? s.generate_id("ntx_")
                                                                 : outcome.network_transaction_id;
        if (outcome.kind == outcome_kind::approved) outcome.network_transaction_id = txn;
        moved = true;
        recorded = recorded_outcome{true, std::move(txn)};
        journal_line = s.money_moved_line(request);
        break;
      }
      case outcome_kind::declined:
        recorded = recorded_outcome{false, outcome.decline_code};
        break;
      default:
        break;
    }
  }
  s.record(request.reference, [&](reference_ledger& l) {
    ++l.calls;
    if (moved) ++l.authorizations;
    if (recorded) l.recorded = std::move(recorded);
  });
  // An arrival after a void stays reversed (the mark stays), unless this
  // network breaks the contract.
  if (moved && !s.options.void_reverses_late_arrivals) {
    const reference_key key(request.reference);
    s.by_reference.for_each_shard([&](auto& map) {
      if (auto it = map.find(key); it != map.end()) it->second.voided = false;
    });
  }
  s.journal(journal_line);
  s.complete_after(delay, [h = std::move(handler), o = std::move(outcome)]() mutable {
    std::move(h)(std::move(o));
  });
}

void fake_card_network::async_lookup(const std::string& reference, lookup_handler handler) {
  auto& s = *state_;
  error_code ec;
  lookup_result found;
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(s.mutex);
    delay = s.pick_latency();
    if (!s.options.supports_lookup) {
      ec = errc::not_supported;
    } else {
      found = s.find(reference);
    }
  }
  s.complete_after(delay, [h = std::move(handler), ec, found = std::move(found)]() mutable {
    std::move(h)(ec, std::move(found));
  });
}

void fake_card_network::async_capture(const follow_up_request& request,
                                      follow_up_handler handler) {
  state_->follow_up(request, std::move(handler));
}

void fake_card_network::async_release(const follow_up_request& request,
                                      follow_up_handler handler) {
  state_->follow_up(request, std::move(handler));
}

void fake_card_network::async_refund(const follow_up_request& request, follow_up_handler handler) {
  state_->follow_up(request, std::move(handler));
}

void fake_card_network::async_lookup_capture(const std::string& reference,
                                             lookup_handler handler) {
  async_lookup(reference, std::move(handler));
}

void fake_card_network::async_lookup_release(const std::string& reference,
                                             lookup_handler handler) {
  async_lookup(reference, std::move(handler));
}

void fake_card_network::async_lookup_refund(const std::string& reference,
                                            lookup_handler handler) {
  async_lookup(reference, std::move(handler));
}

void fake_card_network::script_next(attempt_kind kind, network_outcome outcome) {
  std::lock_guard lock(state_->mutex);
  state_->follow_up_script[kind].emplace_back(std::move(outcome));
}

void fake_card_network::script_throw(attempt_kind kind) {
  std::lock_guard lock(state_->mutex);
  state_->follow_up_script[kind].emplace_back(std::nullopt);
}

void fake_card_network::async_void(const std::string& reference, void_handler handler) {
  auto& s = *state_;
  error_code ec;
  std::chrono::milliseconds delay{0};
  bool journal = false;
  {
    std::lock_guard lock(s.mutex);
    delay = s.pick_latency();
    if (!s.options.supports_void) {
      ec = errc::not_supported;
    } else {
      ++s.voids;
      s.record(reference, [](reference_ledger& l) { l.voided = true; });
      journal = true;
    }
  }
  if (journal) s.journal(fmt::format("void {}\n", reference));
  s.complete_after(delay, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
}

void fake_card_network::script_next(network_outcome outcome) {
  std::lock_guard lock(state_->mutex);
  state_->script.push_back(std::move(outcome));
  ++state_->scripted;
}

authenticate_params fake_card_network::complete_challenge(
    const std::string& three_ds_server_trans_id, const std::string& trans_status) {
  authenticate_params p;
  p.three_ds_server_trans_id = three_ds_server_trans_id;
  p.trans_status = trans_status;
  p.message_version = "2.2.0";
  std::lock_guard lock(state_->mutex);
  p.ds_transaction_id = state_->generate_id("ds_");
  if (trans_status == "Y" || trans_status == "A") {
    p.authentication_value = state_->generate_id("cavv_");
    p.eci = trans_status == "Y" ? "05" : "06";
    state_->minted[p.ds_transaction_id] = {p.authentication_value, trans_status[0]};
  } else if (trans_status == "U") {
    p.eci = "07";
  }
  return p;
}

std::size_t fake_card_network::authorize_calls() const {
  return state_->total(&reference_ledger::calls);
}

std::size_t fake_card_network::authorize_calls(const std::string& reference) const {
  const auto l = state_->merged(reference);
  return l ? l->calls : 0;
}

std::size_t fake_card_network::authorizations() const {
  return state_->total(&reference_ledger::authorizations);
}

std::size_t fake_card_network::authorizations(const std::string& reference) const {
  const auto l = state_->merged(reference);
  return l ? l->authorizations : 0;
}

std::size_t fake_card_network::voids() const {
  std::lock_guard lock(state_->mutex);
  return state_->voids;
}

bool fake_card_network::is_voided(const std::string& reference) const {
  const auto l = state_->merged(reference);
  return l && l->voided;
}

bool fake_card_network::is_live(const std::string& reference) const {
  const auto l = state_->merged(reference);
  return l && l->authorizations > 0 && !l->voided;
}

std::size_t fake_card_network::follow_up_calls(attempt_kind kind) const {
  return state_->total(&reference_ledger::calls, kind);
}

std::size_t fake_card_network::carried_out(attempt_kind kind) const {
  return state_->total(&reference_ledger::carried_out, kind);
}

std::size_t fake_card_network::carried_out(const std::string& reference) const {
  const auto l = state_->merged(reference);
  return l ? l->carried_out : 0;
}

std::int64_t fake_card_network::amount_carried_out(attempt_kind kind) const {
  return state_->total<std::int64_t>(&reference_ledger::amount, kind);
}

std::vector<authorization_request> fake_card_network::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

journal_entry read_journal_entry(const std::string& path, const std::string& reference) {
  journal_entry entry;
  std::ifstream in(path);
  std::string line, verb, ref;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    if (!(fields >> verb >> ref) || ref != reference) continue;
    if (verb == "authorize" || verb == "capture" || verb == "release" || verb == "refund") {
      entry.authorized = true;  // found: something was carried out under it
    }
    if (verb == "void") entry.voided = true;
  }
  return entry;
}

journal_total read_journal_total(const std::string& path, const std::string& verb) {
  journal_total total;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string seen, reference;
    std::int64_t amount = 0;
    if (fields >> seen >> reference >> amount && seen == verb) {
      total.amount += amount;
      ++total.per_reference[reference];
    }
  }
  return total;
}

std::map<std::string, std::size_t> read_journal_authorizations(const std::string& path) {
  std::map<std::string, std::size_t> counts;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string verb, reference;
    if (fields >> verb >> reference && verb == "authorize") ++counts[reference];
  }
  return counts;
}

}  // namespace payintent::testing
