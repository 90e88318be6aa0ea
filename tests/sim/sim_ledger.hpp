// payintent::sim — what the simulated card network did, per reference.
//
// The network's memory: every authorization that reached it (an arrival),
// its decision (pending until resolved), and the voids. A void marks the
// reference, so an authorization arriving after it is reversed on arrival,
// as card_network's contract requires. Not thread-safe: sim_network guards
// it with its mutex.
#pragma once

#include "payintent/card_network.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace payintent::sim {

enum class sim_decision : std::uint8_t { pending, approved, declined };

class sim_ledger {
 public:
  // An async_authorize call for `reference`, on behalf of `intent`.
  void count_call(const std::string& reference, const std::string& intent);
  // An authorization reaching the network with `decision`; `detail` is the
  // network transaction id (approved, pending) or the decline code. Returns
  // the arrival's index under the reference, for resolve().
  std::size_t arrive(const std::string& reference, sim_decision decision, std::string detail);
  // A pending arrival decided: approved or declined with `detail`.
  void resolve(const std::string& reference, std::size_t index, sim_decision decision,
               std::string detail);
  // A void: what arrived is reversed, and what arrives later.
  void void_reference(const std::string& reference);

  // Found (the latest arrival's decision) or not, and voided.
  lookup_result lookup(const std::string& reference) const;

  std::size_t calls(const std::string& reference) const;
  std::size_t moved(const std::string& reference) const;
  std::size_t live(const std::string& reference) const;
  bool voided(const std::string& reference) const;
  std::vector<std::string> references() const;
  std::size_t peak_live(const std::string& intent) const;

 private:
  struct arrival {
    sim_decision decision = sim_decision::pending;
    std::string detail;
  };
  struct entry {
    std::string intent;  // empty when only voids named the reference
    std::size_t calls = 0;
    std::vector<arrival> arrivals;
    bool voided = false;
  };

  const entry* find(const std::string& reference) const;
  // Raises the intent's peak to what its references now hold live.
  void note_peak(const std::string& intent);

  std::map<std::string, entry> entries_;
  std::map<std::string, std::vector<std::string>> references_by_intent_;
  std::map<std::string, std::size_t> peak_by_intent_;
};

}  // namespace payintent::sim
