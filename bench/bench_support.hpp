// What the bench programs share: opening a store from a spec, percentiles.
#pragma once

#include <payintent/memory_store.hpp>
#ifdef PAYINTENT_BENCH_SQLITE
#include "storm/store_spec.hpp"  // the one parser of --store spellings
#endif

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace payintent::bench {

// "memory", "sqlite:PATH" (PATH and its -wal/-shm are removed first) or
// "postgres:CONNINFO" (the database is the caller's to empty:
// bench/compare_postgres.sh gives each run a new one), with `connections`
// connections for a pooled store; nullptr, with the reason on stderr, when
// unknown or unopenable. The spellings are parsed by retry_storm's
// store_spec, the one place.
inline std::unique_ptr<idempotency_store> open_store(const std::string& text,
                                                     std::size_t connections) {
  if (text == "memory") return std::make_unique<memory_store>();
#ifdef PAYINTENT_BENCH_SQLITE
  auto parsed = storm::parse_store_spec(text);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    fmt::print(stderr, "{}\n", *why);
    return nullptr;
  }
  auto spec = std::get<storm::store_spec>(parsed);
  if (spec.kind == storm::store_kind::sqlite) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((spec.target + suffix).c_str());
  }
  spec.connections = connections;
  diagnostics diag;
  auto s = storm::open_store(spec, &diag);
  if (s) return std::move(s.value());
  fmt::print(stderr, "{}: {}\n", diag.message, s.error().message());
#else
  (void)connections;
#endif
  return nullptr;
}

// The q-quantile of `v` divided by `unit` (1000 turns nanoseconds into
// microseconds). Reorders `v`; 0 when empty.
inline double percentile(std::vector<std::int64_t>& v, double q, double unit) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / unit;
}

}  // namespace payintent::bench
