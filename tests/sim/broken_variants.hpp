// payintent::sim — decorators that break a rule the library relies on, to
// show the simulator notices (simulation.hpp, broken_variant). Never for use
// outside the simulator.
#pragma once

#include "payintent/card_network.hpp"
#include "payintent/idempotency_store.hpp"

#include <map>
#include <mutex>
#include <string>

namespace payintent::sim {

// A store without compare-and-set: every write is applied over whatever the
// intent holds now, as if its writer held the current version and fence.
class unfenced_store final : public store_wrapper {
 public:
  using store_wrapper::store_wrapper;
  result<claim_result> claim(const claim_request& r) override;
  result<write_receipt> commit(const intent_write& w) override;

 private:
  intent_write current_holder(intent_write w);
};

// A network whose lookup re-sends the reference's authorization and answers
// what that says (reauthorize), or whose void reverses nothing (no_void).
class rule_breaking_network final : public card_network {
 public:
  enum class breaks { reauthorize, no_void };
  rule_breaking_network(card_network& target, breaks rule) : target_(target), rule_(rule) {}

  void async_authorize(const authorization_request& request, authorize_handler handler) override;
  void async_lookup(const std::string& reference, lookup_handler handler) override;
  void async_void(const std::string& reference, void_handler handler) override;

 private:
  card_network& target_;
  const breaks rule_;
  std::mutex mutex_;
  std::map<std::string, authorization_request> sent_;  // by reference
};

}  // namespace payintent::sim
