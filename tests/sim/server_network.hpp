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

// A handler for the network that hands its answer to a task of `instance`.
// Handlers are move-only and tasks std::function: the handler is shared.
template <class... Args, class Handler>
auto answer_as_task(sim_world& world, int instance, Handler handler) {
  auto shared = std::make_shared<Handler>(std::move(handler));
  return [&world, instance, shared](Args... args) {
    world.spawn(instance, [shared, ... args = std::move(args)]() mutable {
      std::move (*shared)(std::move(args)...);
    });
  };
}

class server_network final : public card_network {
 public:
  server_network(sim_world& world, card_network& target, int instance)
      : world_(world), target_(target), instance_(instance) {}

  void async_authorize(const authorization_request& request, authorize_handler handler) override {
    target_.async_authorize(request,
                            answer_as_task<network_outcome>(world_, instance_, std::move(handler)));
  }
  void async_lookup(const std::string& reference, lookup_handler handler) override {
    target_.async_lookup(reference, answer_as_task<error_code, lookup_result>(world_, instance_,
                                                                              std::move(handler)));
  }
  void async_void(const std::string& reference, void_handler handler) override {
    target_.async_void(reference,
                       answer_as_task<error_code>(world_, instance_, std::move(handler)));
  }

 private:
  sim_world& world_;
  card_network& target_;
  int instance_;
};

// One simulated server's view of the shared store: every call that reads or
// writes an intent or a key first lets the other ready tasks run, so that
// any two servers' calls on one intent may interleave.
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

 private:
  sim_world& world_;
};

}  // namespace payintent::sim
