// What the bench programs share: opening a store from a spec, percentiles.
#pragma once

#include <payintent/memory_store.hpp>
#ifdef PAYINTENT_BENCH_SQLITE
#include <payintent/sqlite_store.hpp>
#endif

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace payintent::bench {

// "memory" or "sqlite:PATH" (PATH and its -wal/-shm are removed first);
// nullptr when unknown or unopenable.
inline std::unique_ptr<idempotency_store> open_store(const std::string& spec) {
  if (spec == "memory") return std::make_unique<memory_store>();
#ifdef PAYINTENT_BENCH_SQLITE
  if (spec.rfind("sqlite:", 0) == 0) {
    const std::string path = spec.substr(7);
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    auto s = sqlite_store::open({.path = path});
    if (s) return std::move(s.value());
    fmt::print(stderr, "cannot open {}: {}\n", path, s.error().message());
  }
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
