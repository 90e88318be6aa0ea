#include "payintent/audit.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

using namespace payintent;

namespace {

std::vector<audit_entry> make_chain(std::size_t n) {
  const tenant_id tenant("acme");
  const intent_id intent("pi_abcdefghijklmnopqrstuvwx");
  std::vector<audit_entry> chain;
  for (std::size_t i = 0; i < n; ++i) {
    audit_event ev;
    ev.attempt_number = i == 0 ? 0 : 1;
    ev.event = i == 0 ? "intent.created" : "attempt.step";
    ev.from = i == 0 ? "" : "s" + std::to_string(i - 1);
    ev.to = "s" + std::to_string(i);
    ev.detail = i % 2 ? "detail" : "";
    chain.push_back(seal_audit_entry(ev, chain.empty() ? nullptr : &chain.back(), tenant, intent,
                                     1'700'000'000'000 + static_cast<std::int64_t>(i) * 10,
                                     "node-1", i));
  }
  return chain;
}

}  // namespace

TEST_CASE("sealing builds a linked, verifiable chain") {
  const auto chain = make_chain(5);
  CHECK(chain[0].sequence == 1);
  CHECK(chain[0].prev_hash == audit_genesis_hash);
  for (std::size_t i = 1; i < chain.size(); ++i) {
    CHECK(chain[i].sequence == i + 1);
    CHECK(chain[i].prev_hash == chain[i - 1].hash);
  }
  CHECK(chain[2].event == "attempt.step");
  CHECK(chain[2].to == "s2");
  CHECK(chain[2].node_id == "node-1");
  CHECK(chain[2].fence == 2);
  CHECK(chain[2].hash == audit_entry_hash(chain[2]));
  CHECK(chain[2].hash.size() == 64);
  const auto v = verify_audit(chain);
  CHECK(v.ok);
  CHECK(v.reason.empty());
  CHECK(verify_audit({}).ok);
}

TEST_CASE("tampering with any field of entry 3 is caught at entry 3") {
  const std::vector<std::pair<std::string, std::function<void(audit_entry&)>>> edits = {
      {"sequence", [](audit_entry& e) { e.sequence = 7; }},
      {"time", [](audit_entry& e) { e.time_ms += 1; }},
      {"tenant", [](audit_entry& e) { e.tenant = tenant_id("evil"); }},
      {"intent", [](audit_entry& e) { e.intent = intent_id("pi_zzzzzzzzzzzzzzzzzzzzzzzz"); }},
      {"attempt", [](audit_entry& e) { e.attempt_number = 2; }},
      {"event", [](audit_entry& e) { e.event = "attempt.voided"; }},
      {"from", [](audit_entry& e) { e.from = "x"; }},
      {"to", [](audit_entry& e) { e.to = "succeeded"; }},
      {"detail", [](audit_entry& e) { e.detail = "edited"; }},
      {"node", [](audit_entry& e) { e.node_id = "node-2"; }},
      {"fence", [](audit_entry& e) { e.fence = 99; }},
      {"prev_hash", [](audit_entry& e) { e.prev_hash[0] = e.prev_hash[0] == 'a' ? 'b' : 'a'; }},
      {"hash", [](audit_entry& e) { e.hash[5] = e.hash[5] == 'a' ? 'b' : 'a'; }},
  };
  for (const auto& [edited, edit] : edits) {
    const std::string name = edited;  // CHECK_MESSAGE captures it: no binding (clang 14)
    auto chain = make_chain(5);
    edit(chain[2]);
    const auto v = verify_audit(chain);
    CHECK_MESSAGE(!v.ok, name);
    CHECK_MESSAGE(v.first_broken_sequence == 3, name);
    CHECK_MESSAGE(!v.reason.empty(), name);
  }
}

TEST_CASE("the reasons name what broke") {
  {
    auto chain = make_chain(5);
    chain[2].detail = "edited";
    CHECK(verify_audit(chain).reason == "hash mismatch");
  }
  {
    auto chain = make_chain(5);
    chain[2].prev_hash = chain[0].hash;
    chain[2].hash = audit_entry_hash(chain[2]);  // re-sealed, but linked to the wrong entry
    const auto v = verify_audit(chain);
    CHECK(v.reason == "broken link");
    CHECK(v.first_broken_sequence == 3);
  }
  {
    auto chain = make_chain(5);
    chain[0].prev_hash = std::string(64, '1');
    chain[0].hash = audit_entry_hash(chain[0]);
    CHECK(verify_audit(chain).reason == "broken link");
  }
  {
    auto chain = make_chain(5);
    chain[3].intent = intent_id("pi_zzzzzzzzzzzzzzzzzzzzzzzz");
    const auto v = verify_audit(chain);
    CHECK(v.reason == "foreign entry");
    CHECK(v.first_broken_sequence == 4);
  }
  {
    auto chain = make_chain(5);
    chain.erase(chain.begin() + 2);
    const auto v = verify_audit(chain);
    CHECK_FALSE(v.ok);
    CHECK(v.reason == "sequence gap");
    CHECK(v.first_broken_sequence == 3);
  }
  {
    auto chain = make_chain(5);
    chain.erase(chain.begin());
    const auto v = verify_audit(chain);
    CHECK(v.reason == "sequence gap");
    CHECK(v.first_broken_sequence == 1);
  }
  {
    // Dropping the tail cannot be seen from the entries alone; the chain
    // that remains still verifies.
    auto chain = make_chain(5);
    chain.pop_back();
    CHECK(verify_audit(chain).ok);
  }
}

TEST_CASE("the hash is length-prefixed: moving bytes between fields changes it") {
  auto chain = make_chain(2);
  audit_entry a = chain[1];
  audit_entry b = chain[1];
  a.from = "ab";
  a.to = "c";
  b.from = "a";
  b.to = "bc";
  CHECK(audit_entry_hash(a) != audit_entry_hash(b));
}

TEST_CASE("audit_entry_digest is the raw form of audit_entry_hash") {
  for (const audit_entry& e : make_chain(3)) {
    const audit_entry_view view{e.sequence, e.time_ms,  e.tenant.str(), e.intent.str(),
                                e.attempt_number, e.event, e.from, e.to,
                                e.detail,   e.node_id,  e.fence,        e.prev_hash};
    CHECK(to_hex(audit_entry_digest(view)) == e.hash);
    CHECK(audit_entry_hash(view) == e.hash);
  }
}

// Stores keep these hashes for years: the canonical encoding (version 1) must
// never change by accident. The expected digest was computed outside the
// library, by coreutils over the encoding written out by hand:
//   printf 'payintent-audit/1\n1:7\n13:1700000000123\n4:acme\n6:pi_abc\n1:2\n
//     18:attempt.authorized\n4:init\n10:authorized\n0:\n6:node-1\n1:3\n64:aaa…a\n'
//   | sha256sum   (the line break after "1:2\n" is the page's, not the text's)
TEST_CASE("the canonical encoding (version 1) is pinned by an outside digest") {
  const std::string prev(64, 'a');
  const audit_entry_view view{7,      1'700'000'000'123, "acme", "pi_abc", 2, "attempt.authorized",
                              "init", "authorized",      "",     "node-1", 3, prev};
  CHECK(audit_entry_hash(view) ==
        "97b07a345172195f963ba0cd2fdb29b81c3fdec38038f3793e469bf74d891d9d");
}
