#include "payintent/idempotency_store.hpp"
#include "payintent/ids.hpp"
#include "payintent/records.hpp"
#include "payintent/status.hpp"
#include "payintent/validation.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;

TEST_CASE("generated intent ids have the documented shape and validate") {
  for (int i = 0; i < 100; ++i) {
    const intent_id id = generate_intent_id();
    REQUIRE(id.str().size() == 27);
    CHECK(id.str().starts_with("pi_"));
    CHECK(validate_intent_id(id.str()).has_value());
  }
}

TEST_CASE("generated ids are unique across threads and use the whole alphabet") {
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 500; ++i) out.push_back(generate_intent_id().str());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  std::map<char, int> histogram;
  for (const auto& out : per_thread) {
    for (const auto& id : out) {
      ids.insert(id);
      for (char c : id.substr(3 + intent_id_time_chars)) ++histogram[c];
    }
  }
  CHECK(ids.size() == 2000);
  // 32,000 random characters over 62 symbols: each is expected ~516 times
  // (standard deviation ~22).
  CHECK(histogram.size() == 62);
  for (const auto& entry : histogram) CHECK_MESSAGE(entry.second > 400, entry.first);
}

TEST_CASE("generated ids begin with their creation time and sort by it") {
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const auto before = now_ms();
  const std::string first = generate_intent_id().str();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string second = generate_intent_id().str();
  const auto after = now_ms();
  CHECK(first < second);
  constexpr std::string_view base62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::int64_t stamped = 0;
  for (char c : first.substr(3, intent_id_time_chars)) {
    stamped = stamped * 62 + static_cast<std::int64_t>(base62.find(c));
  }
  CHECK(stamped >= before);
  CHECK(stamped <= after);
}

TEST_CASE("a forked child never mints the id its parent mints next") {
  // Both processes hold the same buffered random bytes after fork; without
  // the fork handler, the child's next id would be the parent's next id.
  (void)generate_intent_id();  // the parent now has bytes buffered
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string id = generate_intent_id().str();
    const auto written = ::write(fds[1], id.data(), id.size());
    ::_exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  const std::string parents = generate_intent_id().str();
  std::string childs(27, '\0');
  std::size_t got = 0;
  while (got < childs.size()) {
    const auto n = ::read(fds[0], childs.data() + got, childs.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(got == childs.size());
  CHECK(childs.starts_with("pi_"));
  CHECK(childs != parents);
}

TEST_CASE("attempt references are deterministic") {
  const intent_id id("pi_abcdefghijklmnopqrstuvwx");
  CHECK(attempt_reference(id, 1) == "pi_abcdefghijklmnopqrstuvwx-a1");
  CHECK(attempt_reference(id, 12) == "pi_abcdefghijklmnopqrstuvwx-a12");
  CHECK(attempt_reference(id, 2) == attempt_reference(id, 2));
}

TEST_CASE("status names round-trip") {
  for (int v = 1; v <= 7; ++v) {
    const auto s = static_cast<intent_status>(v);
    const auto name = to_string(s);
    CHECK(parse_intent_status(name) == s);
    CHECK(fmt::format("{}", s) == name);
  }
  for (int v = 1; v <= 8; ++v) {
    const auto s = static_cast<attempt_state>(v);
    CHECK(parse_attempt_state(to_string(s)) == s);
  }
  CHECK(to_string(intent_status::requires_action) == "requires_action");
  CHECK(to_string(attempt_state::challenge_pending) == "challenge_pending");
  CHECK(to_string(attempt_state::not_sent) == "not_sent");
  CHECK_FALSE(parse_intent_status("Succeeded").has_value());
  CHECK_FALSE(parse_intent_status("").has_value());
  CHECK_FALSE(parse_attempt_state("bogus").has_value());
  CHECK(to_string(operation::create_intent) == "create_intent");
  CHECK(fmt::format("{}", operation::authenticate) == "authenticate");
  CHECK(fmt::format("{}", claim_status::in_progress) == "in_progress");
  CHECK(fmt::format("{}", claim_status::replay) == "replay");
}

TEST_CASE("audit entries format for logs") {
  audit_entry e;
  e.sequence = 3;
  e.time_ms = 1795608001250;  // 2026-11-25T12:00:01.250Z
  e.event = "attempt.authorized";
  e.from = "init";
  e.to = "authorized";
  e.attempt_number = 1;
  e.fence = 1;
  e.node_id = "node-1";
  CHECK(fmt::format("{}", e) ==
        "#3 2026-11-25T12:00:01.250Z attempt.authorized init->authorized a1 fence=1 node=node-1");
  e.detail = "insufficient_funds";
  CHECK(fmt::format("{}", e).ends_with(" node=node-1 (insufficient_funds)"));
  e.time_ms = 0;
  CHECK(fmt::format("{}", e).starts_with("#3 1970-01-01T00:00:00.000Z "));
}

TEST_CASE("intents, attempts and errors format for logs without their data") {
  payintent::payment_intent i;
  i.id = payintent::intent_id("pi_AAAAAAAAAAAAAAAAAAAAAAAA");
  i.tenant = payintent::tenant_id("acme");
  i.amount = payintent::money{1999, payintent::find_currency("EUR")};
  i.status = payintent::intent_status::succeeded;
  i.payment_method = "pm_secret_token";
  i.metadata = {{"email", "guest@example.com"}};
  payintent::attempt a;
  a.number = 1;
  a.state = payintent::attempt_state::declined;
  a.fence = 2;
  a.node_id = "server-1";
  a.decline_code = "insufficient_funds";
  i.attempts.push_back(a);
  const std::string line = fmt::format("{}", i);
  CHECK(line == "pi_AAAAAAAAAAAAAAAAAAAAAAAA 19.99 EUR succeeded (acme, 1 attempt)");
  CHECK(line.find("pm_secret_token") == std::string::npos);
  CHECK(line.find("guest@") == std::string::npos);
  CHECK(fmt::format("{}", a) == "a1 declined fence=2 node=server-1 decline=insufficient_funds");
  CHECK(fmt::format("{}", payintent::payment_error{"card_declined", "do_not_honor", "No."}) ==
        "card_declined/do_not_honor: No.");
}
