// Differential fuzzer: one random sequence of operations — charges, creates,
// confirms, cancels, exact duplicates and same-key-other-parameters retries,
// lease expiry through the injected store clock followed by recovery, key
// purges, and transient store faults injected by a decorator — is applied
// through payment_service to the memory store and to the SQLite store. After
// every step the two must agree on everything a caller can observe: each
// call's answer, every intent as retrieve shows it, every audit trail (ids,
// times and hashes aside: ids are random, and both stores share one clock),
// and the card network's authorization, void and call counts. Each store must
// also keep invariant 4 (at most one authorized attempt per intent) and the
// network must never see a second authorization under one reference.
#include "payintent/memory_store.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/sqlite_store.hpp"
#include "payintent/testing/fake_card_network.hpp"
#include "support/byte_reader.hpp"
#include "payintent/testing/faulty_store.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace payintent;
using namespace std::chrono_literals;

constexpr std::array tenants{"acme", "globex"};
constexpr std::array keys{"k-0", "k-1", "k-2", "k-3"};
constexpr std::array tokens{testing::pm_approve,  testing::pm_decline, testing::pm_unknown,
                            testing::pm_not_sent, testing::pm_pending, testing::pm_throw};
constexpr std::array currencies{"EUR", "JPY", "usd", "BHD"};

// One store with its own network and service; both sides share the clock.
struct side {
  side(std::unique_ptr<idempotency_store> base, const service_options& options)
      : store(std::move(base)), faults(*store), service(faults, network, options) {}

  std::unique_ptr<idempotency_store> store;
  testing::faulty_store faults;
  testing::fake_card_network network;
  payment_service service;
  std::vector<intent_id> intents;  // in order first seen: their index is the shared name
};

// What a caller saw, with the random intent id replaced by its index.
std::string observe(side& s, const result<payment_response>& r) {
  if (!r) return fmt::format("error {}", errc(r.error().value()));
  const payment_intent& i = r.value().intent;
  auto it = std::find(s.intents.begin(), s.intents.end(), i.id);
  if (it == s.intents.end()) it = s.intents.insert(s.intents.end(), i.id);
  return fmt::format("intent #{} replayed={}", it - s.intents.begin(), r.value().replayed);
}

payment_intent without_ids(payment_intent i) {
  i.id = intent_id();
  for (auto& a : i.attempts) {
    a.reference.clear();
    // The fake network draws transaction ids at random, like intent ids.
    a.network_transaction_id = a.network_transaction_id.empty() ? "" : "ntx";
  }
  return i;
}

// The name of the first field in which two intents differ, or nullptr.
const char* first_difference(const payment_intent& x, const payment_intent& y) {
  if (x.status != y.status) return "status";
  if (x.amount != y.amount || x.tenant != y.tenant) return "amount or tenant";
  if (x.last_error != y.last_error) return "last_error";
  if (x.next_action != y.next_action) return "next_action";
  if (x.created_at_ms != y.created_at_ms || x.updated_at_ms != y.updated_at_ms) return "times";
  if (x.version != y.version) return "version";
  if (x.attempts.size() != y.attempts.size()) return "attempt count";
  for (std::size_t i = 0; i < x.attempts.size(); ++i) {
    const attempt& p = x.attempts[i];
    const attempt& q = y.attempts[i];
    if (p.state != q.state) return "attempt state";
    if (p.fence != q.fence) return "attempt fence";
    if (p.lease_expires_at_ms != q.lease_expires_at_ms) return "attempt lease";
    if (p.network_transaction_id != q.network_transaction_id) return "attempt transaction id";
    if (p != q) return "attempt (other field)";
  }
  return x == y ? nullptr : "intent (other field)";
}

audit_entry without_ids(audit_entry e) {
  e.intent = intent_id();
  e.prev_hash.clear();
  e.hash.clear();
  return e;
}

struct harness {
  explicit harness(const std::string& db) {
    service_options options;
    options.node_id = "fuzz";
    options.attempt_lease = 30s;
    options.key_retention = 1h;
    options.recovery_backoff = {1s, 5s};
    options.network_timeout = 1s;
    options.default_wait_budget = 5s;
    auto clock = [this] { return now.load(); };
    memory = std::make_unique<side>(
        std::make_unique<memory_store>(memory_store_options{.clock = clock}), options);
    auto opened =
        sqlite_store::open({.path = db, .synchronous = sqlite_synchronous::normal, .clock = clock});
    if (!opened) fuzz::fail("cannot open the SQLite store");
    sqlite = std::make_unique<side>(std::move(opened).value(), options);
  }

  // Runs `op` on both sides and compares what each answered.
  template <class Op>
  void both(const char* what, Op op) {
    const std::string a = op(*memory), b = op(*sqlite);
    if (a != b) fuzz::fail(fmt::format("{}: memory answered {}, sqlite {}", what, a, b));
  }

  void compare_state() {
    if (memory->intents.size() != sqlite->intents.size()) fuzz::fail("intent counts differ");
    for (std::size_t n = 0; n < memory->intents.size(); ++n) {
      for (const char* tenant : tenants) {
        auto a = memory->service.retrieve(tenant, memory->intents[n].str());
        auto b = sqlite->service.retrieve(tenant, sqlite->intents[n].str());
        if (bool(a) != bool(b)) fuzz::fail(fmt::format("retrieve #{} differs", n));
        if (!a) continue;
        if (auto field = first_difference(without_ids(a.value()), without_ids(b.value()))) {
          fuzz::fail(fmt::format("intent #{} differs in {}:\n memory {}\n sqlite {}", n, field,
                                 a.value(), b.value()));
        }
        check_invariants(a.value(), *memory);
        check_invariants(b.value(), *sqlite);
        auto ta = memory->service.audit_trail(tenant, memory->intents[n].str());
        auto tb = sqlite->service.audit_trail(tenant, sqlite->intents[n].str());
        if (!ta || !tb || ta.value().size() != tb.value().size()) {
          fuzz::fail(fmt::format("audit trail of #{} differs in length", n));
        }
        for (std::size_t e = 0; e < ta.value().size(); ++e) {
          if (without_ids(ta.value()[e]) != without_ids(tb.value()[e])) {
            fuzz::fail(fmt::format("audit entry {} of #{} differs:\n memory {}\n sqlite {}", e, n,
                                   ta.value()[e], tb.value()[e]));
          }
        }
      }
    }
    const auto& x = memory->network;
    const auto& y = sqlite->network;
    if (x.authorize_calls() != y.authorize_calls() || x.authorizations() != y.authorizations() ||
        x.voids() != y.voids()) {
      fuzz::fail("card network counts differ");
    }
  }

  static void check_invariants(const payment_intent& i, side& s) {
    const auto authorized =
        std::count_if(i.attempts.begin(), i.attempts.end(),
                      [](const attempt& a) { return a.state == attempt_state::authorized; });
    if (authorized > 1) fuzz::fail("two authorized attempts on one intent");
    for (const attempt& a : i.attempts) {
      if (s.network.authorize_calls(a.reference) > 1) fuzz::fail("a reference authorized twice");
    }
    if (i.status == intent_status::succeeded && authorized != 1) {
      fuzz::fail("succeeded without an authorized attempt");
    }
  }

  std::atomic<std::int64_t> now{1'800'000'000'000};
  std::unique_ptr<side> memory;
  std::unique_ptr<side> sqlite;
};

// The intent a step names: one both sides know by the same index, or a
// malformed/unknown id when there is none yet.
std::string intent_arg(side& s, std::size_t pick) {
  if (s.intents.empty()) return "pi_000000000000000000000000";
  return s.intents[pick % s.intents.size()].str();
}

void step(harness& h, fuzz::byte_reader& in) {
  const char* tenant = tenants[in.pick(tenants.size())];
  const char* key = keys[in.pick(keys.size())];
  const auto target = in.pick(256);
  const auto token = tokens[in.pick(tokens.size())];
  const std::int64_t amount = 100 * static_cast<std::int64_t>(1 + in.pick(3));
  const char* currency = currencies[in.pick(currencies.size())];
  switch (in.pick(8)) {
    case 0:  // a charge; a repeated key with the same choices is an exact duplicate
      return h.both("charge", [&](side& s) {
        return observe(
            s, s.service.charge(tenant, key,
                                {.amount = amount, .currency = currency, .payment_method = token}));
      });
    case 1:
      return h.both("create", [&](side& s) {
        return observe(
            s, s.service.create_intent(tenant, key, {.amount = amount, .currency = currency}));
      });
    case 2:
      return h.both("confirm", [&](side& s) {
        return observe(
            s, s.service.confirm(tenant, key, intent_arg(s, target), {.payment_method = token}));
      });
    case 3:
      return h.both("cancel", [&](side& s) {
        return observe(s, s.service.cancel(tenant, key, intent_arg(s, target), {}));
      });
    case 4: {  // the store clock jumps: leases and retry delays may expire
      h.now += std::int64_t{1000} * static_cast<std::int64_t>(1 + in.pick(60));
      return h.both("recover", [&](side& s) {
        auto r = s.service.recover(100);
        if (!r) return fmt::format("error {}", errc(r.error().value()));
        const recovery_report& x = r.value();
        return fmt::format("{} {} {} {} {} {} {}", x.examined, x.adopted, x.voided, x.retried,
                           x.reviewed, x.skipped, x.errors);
      });
    }
    case 5:  // the next step's first store calls fail as a lost connection would
      h.both("fault", [&](side& s) {
        s.faults.inject({.op = testing::store_op::any,
                         .times = static_cast<int>(1 + target % 2),
                         .error = target % 3 == 0 ? errc::busy : errc::store_unavailable});
        return std::string();
      });
      return step(h, in);
    case 6:
      h.now += std::int64_t{600'000} * static_cast<std::int64_t>(1 + in.pick(8));
      return h.both("purge", [&](side& s) {
        auto r = s.service.purge_expired_keys(2);
        return r ? fmt::format("{}", r.value()) : fmt::format("error {}", errc(r.error().value()));
      });
    default:
      return h.both("retrieve", [&](side& s) {
        auto r = s.service.retrieve(tenant, intent_arg(s, target));
        return r ? fmt::format("{}", r.value().status)
                 : fmt::format("error {}", errc(r.error().value()));
      });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // /dev/shm when there is one: the file's durability is not under test here.
  // mkstemp replaces the name's last six characters, which must be 'X'.
  const std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  std::string path = dir + "/payintent-fuzz-" + std::string(6, 'X');
  const int fd = mkstemp(path.data());
  if (fd < 0) fuzz::fail("mkstemp");
  close(fd);
  std::remove(path.c_str());
  {
    harness h(path);
    fuzz::byte_reader in(data, size);
    for (int steps = 0; steps < 24 && !in.empty(); ++steps) {
      step(h, in);
      h.both("clear faults", [](side& s) {
        s.faults.clear();
        return std::string();
      });
      h.compare_state();
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove(fmt::format("{}{}", path, suffix).c_str());
  return 0;
}
