#include "payintent/card_network.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

using namespace payintent;

namespace {

class throwing_network final : public blocking_card_network {
 protected:
  network_outcome authorize(const authorization_request&) override {
    throw std::runtime_error("socket closed");
  }
  result<lookup_result> lookup(const std::string&) override { throw std::runtime_error("boom"); }
  result<void> void_authorization(const std::string&) override { throw 42; }
};

class approving_network final : public blocking_card_network {
 public:
  approving_network() : blocking_card_network(2) {}

 protected:
  network_outcome authorize(const authorization_request& r) override {
    return network_outcome::approved("txn-" + r.reference);
  }
};

class leaky_network final : public blocking_card_network {
 protected:
  network_outcome authorize(const authorization_request&) override {
    throw std::runtime_error("bad pan 4242424242424242");
  }
};

class trivial_network final : public card_network {
 public:
  void async_authorize(const authorization_request&, authorize_handler h) override {
    std::move(h)(network_outcome::pending());
  }
};

struct authorize_result {
  network_outcome outcome;
  std::thread::id thread;
};

authorize_result authorize_and_wait(card_network& net, const authorization_request& request) {
  // Shared with the handler: the pool thread may still be inside set_value
  // when get() returns here.
  auto done = std::make_shared<std::promise<authorize_result>>();
  auto f = done->get_future();
  net.async_authorize(request, [done](network_outcome o) {
    done->set_value({std::move(o), std::this_thread::get_id()});
  });
  return f.get();
}

}  // namespace

TEST_CASE("network_outcome factories set the kind and payload") {
  CHECK(network_outcome::approved("t1").kind == outcome_kind::approved);
  CHECK(network_outcome::approved("t1").network_transaction_id == "t1");
  CHECK(network_outcome::declined("insufficient_funds").decline_code == "insufficient_funds");
  CHECK(network_outcome::declined("x").kind == outcome_kind::declined);
  next_action action;
  action.type = "redirect_to_url";
  action.redirect_url = "https://acs.example/c";
  const auto c = network_outcome::challenge(action);
  CHECK(c.kind == outcome_kind::challenge);
  REQUIRE(c.action.has_value());
  CHECK(*c.action == action);
  CHECK(network_outcome::pending().kind == outcome_kind::pending);
  CHECK(network_outcome::unknown("timeout").message == "timeout");
  CHECK(network_outcome::not_sent().kind == outcome_kind::not_sent);
  CHECK(fmt::format("{}", outcome_kind::not_sent) == "not_sent");
  CHECK(to_string(outcome_kind::approved) == "approved");
}

TEST_CASE("authorize runs on the pool and its result reaches the handler") {
  approving_network net;
  authorization_request req;
  req.reference = "pi_x-a1";
  const auto r = authorize_and_wait(net, req);
  CHECK(r.outcome.kind == outcome_kind::approved);
  CHECK(r.outcome.network_transaction_id == "txn-pi_x-a1");
  CHECK(r.thread != std::this_thread::get_id());
}

TEST_CASE("a throwing authorize is an unknown outcome") {
  throwing_network net;
  const auto r = authorize_and_wait(net, authorization_request{});
  CHECK(r.outcome.kind == outcome_kind::unknown);
  CHECK(r.outcome.message == "authorize threw: socket closed");
  CHECK(r.thread != std::this_thread::get_id());
}

TEST_CASE("an exception message holding a card number is withheld") {
  leaky_network net;
  const auto r = authorize_and_wait(net, authorization_request{});
  CHECK(r.outcome.kind == outcome_kind::unknown);
  CHECK(r.outcome.message.find("4242") == std::string::npos);
}

TEST_CASE("throwing lookup and void are card_network_error") {
  std::promise<error_code> looked, voided;  // outlive the pool: declared first
  throwing_network net;
  net.async_lookup("ref", [&](error_code ec, lookup_result) { looked.set_value(ec); });
  net.async_void("ref", [&](error_code ec) { voided.set_value(ec); });
  CHECK(looked.get_future().get() == errc::card_network_error);
  CHECK(voided.get_future().get() == errc::card_network_error);
}

TEST_CASE("default lookup and void answer not_supported, off the calling thread") {
  std::promise<std::pair<error_code, std::thread::id>> looked, voided;
  approving_network net;
  net.async_lookup("ref", [&](error_code ec, lookup_result r) {
    CHECK_FALSE(r.found);
    looked.set_value({ec, std::this_thread::get_id()});
  });
  net.async_void("ref", [&](error_code ec) { voided.set_value({ec, std::this_thread::get_id()}); });
  const auto l = looked.get_future().get();
  const auto v = voided.get_future().get();
  CHECK(l.first == errc::not_supported);
  CHECK(v.first == errc::not_supported);
  CHECK(l.second != std::this_thread::get_id());
  CHECK(v.second != std::this_thread::get_id());
}

TEST_CASE("card_network's own defaults complete with not_supported") {
  trivial_network net;
  error_code looked, voided;
  int calls = 0;
  net.async_lookup("ref", [&](error_code ec, lookup_result) {
    looked = ec;
    ++calls;
  });
  net.async_void("ref", [&](error_code ec) {
    voided = ec;
    ++calls;
  });
  CHECK(calls == 2);
  CHECK(looked == errc::not_supported);
  CHECK(voided == errc::not_supported);
}

TEST_CASE("many concurrent calls each complete exactly once") {
  constexpr int n = 200;
  std::vector<std::promise<network_outcome>> promises(n);
  approving_network net;
  for (int i = 0; i < n; ++i) {
    authorization_request req;
    req.reference = fmt::format("r{}", i);  // "r" + to_string trips GCC 12's -Wrestrict
    net.async_authorize(req, [&promises, i](network_outcome o) {
      promises[static_cast<std::size_t>(i)].set_value(std::move(o));
    });
  }
  for (int i = 0; i < n; ++i) {
    auto o = promises[static_cast<std::size_t>(i)].get_future().get();
    CHECK(o.network_transaction_id == "txn-r" + std::to_string(i));
  }
}

namespace {

// Uses its own member in authorize, so it shuts the pool down before the
// member dies, as the header asks.
class counting_network final : public blocking_card_network {
 public:
  counting_network() : blocking_card_network(3) {}
  ~counting_network() override { shutdown(); }
  void stop() { shutdown(); }

 protected:
  network_outcome authorize(const authorization_request&) override {
    ++authorized_;
    return network_outcome::approved();
  }

 private:
  std::atomic<int> authorized_{0};
};

}  // namespace

TEST_CASE("shutdown waits for calls in flight, then answers at once") {
  std::atomic<int> completed{0};
  counting_network net;
  for (int i = 0; i < 50; ++i) {
    net.async_authorize(authorization_request{}, [&completed](network_outcome o) {
      if (o.kind == outcome_kind::approved) ++completed;
    });
  }
  net.stop();
  CHECK(completed == 50);

  std::optional<network_outcome> late;
  net.async_authorize(authorization_request{}, [&late](network_outcome o) { late = o; });
  REQUIRE(late.has_value());
  CHECK(late->kind == outcome_kind::not_sent);
  error_code looked, voided;
  net.async_lookup("ref", [&](error_code ec, lookup_result) { looked = ec; });
  net.async_void("ref", [&](error_code ec) { voided = ec; });
  CHECK(looked == errc::card_network_error);
  CHECK(voided == errc::card_network_error);
  net.stop();  // idempotent
}

namespace {

// Captures, releases and refunds as a blocking client answers them: a
// capture approved, a refund thrown (after it may have left), the rest the
// defaults.
class follow_up_network final : public blocking_card_network {
 public:
  follow_up_network() : blocking_card_network(2) {}
  ~follow_up_network() override { shutdown(); }
  void stop() { shutdown(); }

 protected:
  network_outcome authorize(const authorization_request&) override {
    return network_outcome::approved();
  }
  result<network_outcome> capture(const follow_up_request& r) override {
    return network_outcome::approved("cap-" + r.reference);
  }
  result<network_outcome> refund(const follow_up_request&) override {
    throw std::runtime_error("reset by peer");
  }
  result<lookup_result> lookup_follow_up(attempt_kind kind, const std::string& ref) override {
    lookup_result found;
    found.found = kind == attempt_kind::capture && ref == "pi_x-a2";
    return found;
  }
};

struct follow_up_answer {
  error_code ec;
  network_outcome outcome;
  std::thread::id thread;
};

template <class Send>
follow_up_answer follow_up_and_wait(Send send) {
  auto done = std::make_shared<std::promise<follow_up_answer>>();
  auto f = done->get_future();
  send([done](error_code ec, network_outcome o) {
    done->set_value({ec, std::move(o), std::this_thread::get_id()});
  });
  return f.get();
}

}  // namespace

TEST_CASE("capture, release and refund run on the pool: answered, defaulted, thrown") {
  follow_up_network net;
  follow_up_request req;
  req.reference = "pi_x-a2";
  auto sent = [&](auto call) {
    return follow_up_and_wait([&](card_network::follow_up_handler h) { call(req, std::move(h)); });
  };
  req.kind = attempt_kind::capture;
  const auto captured =
      sent([&](const follow_up_request& r, auto h) { net.async_capture(r, std::move(h)); });
  CHECK_FALSE(captured.ec);
  CHECK(captured.outcome.kind == outcome_kind::approved);
  CHECK(captured.outcome.network_transaction_id == "cap-pi_x-a2");
  CHECK(captured.thread != std::this_thread::get_id());
  req.kind = attempt_kind::release;
  const auto released =
      sent([&](const follow_up_request& r, auto h) { net.async_release(r, std::move(h)); });
  CHECK(released.ec == errc::not_supported);  // the default: not sent
  req.kind = attempt_kind::refund;
  const auto refunded =
      sent([&](const follow_up_request& r, auto h) { net.async_refund(r, std::move(h)); });
  CHECK_FALSE(refunded.ec);
  CHECK(refunded.outcome.kind == outcome_kind::unknown);  // it may have left
  CHECK(refunded.outcome.message == "refund threw: reset by peer");

  std::promise<std::pair<error_code, bool>> capture_found, release_found;
  net.async_lookup_capture("pi_x-a2", [&](error_code ec, lookup_result r) {
    capture_found.set_value({ec, r.found});
  });
  net.async_lookup_release("pi_x-a2", [&](error_code ec, lookup_result r) {
    release_found.set_value({ec, r.found});
  });
  CHECK(capture_found.get_future().get() == std::pair<error_code, bool>{error_code{}, true});
  CHECK(release_found.get_future().get() == std::pair<error_code, bool>{error_code{}, false});

  net.stop();
  std::optional<network_outcome> late;
  net.async_capture(req, [&late](error_code, network_outcome o) { late = std::move(o); });
  REQUIRE(late.has_value());
  CHECK(late->kind == outcome_kind::not_sent);
}

TEST_CASE("a blocking client's follow-up defaults answer not_supported") {
  approving_network net;
  follow_up_request req;
  req.kind = attempt_kind::capture;
  const auto r = follow_up_and_wait(
      [&](card_network::follow_up_handler h) { net.async_capture(req, std::move(h)); });
  CHECK(r.ec == errc::not_supported);
  std::promise<error_code> looked;
  net.async_lookup_refund("ref", [&](error_code ec, lookup_result) { looked.set_value(ec); });
  CHECK(looked.get_future().get() == errc::not_supported);
}
