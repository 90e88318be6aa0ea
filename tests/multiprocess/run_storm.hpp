// Runs examples/retry_storm (PAYINTENT_RETRY_STORM) and reads its JSON line:
// shared by the storm tests.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace payintent::storm_test {

struct storm_run {
  int exit_code = -1;
  boost::json::object summary;  // the JSON line; empty when there was none

  std::int64_t operator[](const char* field) const {
    return summary.at(field).to_number<std::int64_t>();
  }
};

// `program`: retry_storm, or a build of it on another version of a store.
inline storm_run run_storm(const std::vector<std::string>& args,
                           const std::string& program = PAYINTENT_RETRY_STORM) {
  std::string command = program;
  for (const auto& a : args) {  // each argument single-quoted for the shell
    command += " '";
    for (char c : a) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += "'";
  }
  MESSAGE(command);
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  MESSAGE("retry_storm printed: " << out);

  storm_run run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  boost::system::error_code ec;
  auto doc = boost::json::parse(out, ec);
  if (!ec && doc.is_object()) run.summary = doc.as_object();
  return run;
}

}  // namespace payintent::storm_test
