// payintent::sim — one simulated server's view of the shared card network
// and store.
//
// Forwards every call to the network and runs each answer as a task of the
// server's instance, so an answer to a server that has crashed is never
// delivered (its process is gone) and one to a paused server waits for it.
#pragma once

#include "sim_world.hpp"

#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"

#include <memory>
#include <utility>

namespace payintent::sim {

class server_network final : public card_network {
 public:
  server_network(sim_world& world, card_network& target, int instance)
      : world_(world), target_(target), instance_(instance) {}

 private:
  // A handler for the network that hands its answer to a task of this
  // server. Handlers are move-only; tasks are std::function: shared.
  template <class... Args, class Handler>
  auto deliver(Handler handler) {
    auto shared = std::make_shared<Handler>(std::move(handler));
    return [this, shared](Args... args) {
      world_.spawn(instance_, [shared, ... args = std::move(args)]() mutable {
        std::move (*shared)(std::move(args)...);
      });
    };
  }

 public:
  void async_authorize(const authorization_request& request, authorize_handler handler) override {
    target_.async_authorize(request, deliver<network_outcome>(std::move(handler)));
  }
  void async_lookup(const std::string& reference, lookup_handler handler) override {
    target_.async_lookup(reference, deliver<error_code, lookup_result>(std::move(handler)));
  }
  void async_void(const std::string& reference, void_handler handler) override {
    target_.async_void(reference, deliver<error_code>(std::move(handler)));
  }

 private:
  sim_world& world_;
  card_network& target_;
  int instance_;
};

// One simulated server's view of the shared store: every call first lets
// the other ready tasks run, so that any two servers' calls may interleave.
class server_store final : public store_wrapper {
 public:
  server_store(sim_world& world, idempotency_store& target)
      : store_wrapper(target), world_(world) {}

  result<claim_result> claim(const claim_request& r) override {
    world_.sleep_for({});
    return store_wrapper::claim(r);
  }
  result<write_receipt> commit(const intent_write& w) override {
    world_.sleep_for({});
    return store_wrapper::commit(w);
  }
  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override {
    world_.sleep_for({});
    return store_wrapper::load(t, id);
  }
  result<std::optional<key_record>> load_key(const tenant_id& t,
                                             const idempotency_key& k) override {
    world_.sleep_for({});
    return store_wrapper::load_key(t, k);
  }
  result<std::vector<unresolved_attempt>> list_unresolved(std::size_t limit) override {
    world_.sleep_for({});
    return store_wrapper::list_unresolved(limit);
  }

 private:
  sim_world& world_;
};

}  // namespace payintent::sim
