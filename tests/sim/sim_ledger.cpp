#include "sim_ledger.hpp"

#include <algorithm>
#include <utility>

namespace payintent::sim {

void sim_ledger::count_call(const std::string& reference, const std::string& intent) {
  entry& e = entries_[reference];
  ++e.calls;
  if (e.intent.empty() && !intent.empty()) {
    e.intent = intent;
    references_by_intent_[intent].push_back(reference);
  }
}

std::size_t sim_ledger::arrive(const std::string& reference, sim_decision decision,
                               std::string detail) {
  entry& e = entries_[reference];
  e.arrivals.push_back({decision, std::move(detail)});
  note_peak(e.intent);
  return e.arrivals.size() - 1;
}

void sim_ledger::resolve(const std::string& reference, std::size_t index, sim_decision decision,
                         std::string detail) {
  entry& e = entries_[reference];
  if (index >= e.arrivals.size()) return;
  e.arrivals[index] = {decision, std::move(detail)};
  note_peak(e.intent);
}

void sim_ledger::void_reference(const std::string& reference) {
  entries_[reference].voided = true;
}

lookup_result sim_ledger::lookup(const std::string& reference) const {
  lookup_result r;
  const entry* e = find(reference);
  if (e == nullptr || e->arrivals.empty()) return r;
  const arrival& latest = e->arrivals.back();
  r.found = true;
  r.voided = e->voided;
  switch (latest.decision) {
    case sim_decision::pending:
      r.outcome = network_outcome::pending();
      break;
    case sim_decision::approved:
      r.outcome = network_outcome::approved(latest.detail);
      break;
    case sim_decision::declined:
      r.outcome = network_outcome::declined(latest.detail);
      break;
  }
  return r;
}

std::size_t sim_ledger::calls(const std::string& reference) const {
  const entry* e = find(reference);
  return e ? e->calls : 0;
}

std::size_t sim_ledger::moved(const std::string& reference) const {
  const entry* e = find(reference);
  if (e == nullptr) return 0;
  return static_cast<std::size_t>(
      std::count_if(e->arrivals.begin(), e->arrivals.end(),
                    [](const arrival& a) { return a.decision == sim_decision::approved; }));
}

std::size_t sim_ledger::live(const std::string& reference) const {
  return voided(reference) ? 0 : moved(reference);
}

bool sim_ledger::voided(const std::string& reference) const {
  const entry* e = find(reference);
  return e && e->voided;
}

std::vector<std::string> sim_ledger::references() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [reference, e] : entries_) out.push_back(reference);
  return out;
}

std::size_t sim_ledger::peak_live(const std::string& intent) const {
  auto it = peak_by_intent_.find(intent);
  return it == peak_by_intent_.end() ? 0 : it->second;
}

const sim_ledger::entry* sim_ledger::find(const std::string& reference) const {
  auto it = entries_.find(reference);
  return it == entries_.end() ? nullptr : &it->second;
}

void sim_ledger::note_peak(const std::string& intent) {
  if (intent.empty()) return;
  std::size_t held = 0;
  for (const std::string& reference : references_by_intent_[intent]) held += live(reference);
  std::size_t& peak = peak_by_intent_[intent];
  peak = std::max(peak, held);
}

}  // namespace payintent::sim
