// Shared by the SQLite store's tests and its conformance run: a temporary
// directory per test and a store opened in it on a manual clock.
#pragma once

#include "payintent/sqlite_store.hpp"
#include "payintent/testing/store_conformance.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

namespace payintent::sqlite_test {

// A fresh directory under the system temp dir, removed with its contents.
class temp_dir {
 public:
  temp_dir() {
    auto pattern = (std::filesystem::temp_directory_path() / "payintent-sqlite-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline sqlite_store_options options_for(const std::string& path,
                                        const testing::manual_clock& clock) {
  sqlite_store_options o;
  o.path = path;
  o.clock = clock.as_function();
  return o;
}

inline std::unique_ptr<sqlite_store> must_open(sqlite_store_options options) {
  auto opened = sqlite_store::open(std::move(options));
  if (!opened) FAIL("open failed: " << testing::conformance::outcome_of(opened));
  return std::move(opened).value();
}

// A store in its own temporary file, with the default options.
inline testing::store_under_test sqlite_under_test() {
  auto dir = std::make_shared<temp_dir>();
  testing::manual_clock clock;
  testing::store_under_test s;
  s.resources = dir;
  s.store = must_open(options_for(dir->file("store.db"), clock));
  s.advance_clock_ms = [clock](std::int64_t ms) { clock.advance(ms); };
  return s;
}

}  // namespace payintent::sqlite_test
