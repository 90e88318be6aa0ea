// retry_storm — one process's share of the storm, and what it reports.
#pragma once

#include "storm/storm_args.hpp"

#include <payintent/idempotency_store.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace payintent::storm {

// The idempotency key of key number `index`: "storm-key-<index>".
std::string storm_key(int index);

// What one worker process saw. Merged by the parent across processes.
struct worker_report {
  std::uint64_t requests = 0;  // charges sent
  std::uint64_t replayed = 0;  // answered with replayed == true
  std::uint64_t in_use = 0;    // answered errc::idempotency_key_in_use
  std::uint64_t errors = 0;    // any other error (retryable or not)
  std::string first_error;     // the first error's text, for the verdict on stderr
  std::string fatal;           // non-empty: the worker could not run at all
  // Per key index: every intent id a charge of that key was answered with.
  // Exactly-once means one id per key, across all threads and processes.
  std::vector<std::set<std::string>> intents_by_key;

  void merge(const worker_report& other);
};

// The report as one JSON document (the child writes it to its pipe), and back.
std::string to_json(const worker_report& report);
std::optional<worker_report> report_from_json(std::string_view text);

// Runs `args.threads` threads in this process against `store`, with a fake
// card network of its own that appends to `args.journal`. Thread t of process
// p is storm thread g = p * threads + t of all n = processes * threads; it
// visits the keys in the seed's order starting at position g * keys / n, so
// the threads spread evenly over the keys when there are many and pile onto
// the same key when there are few. Never throws: trouble goes to `fatal`.
worker_report run_worker(const storm_args& args, int process_index, idempotency_store& store);

}  // namespace payintent::storm
