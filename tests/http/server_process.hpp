// The http tests' server: examples/http_server started as a child process on
// a free loopback port, stopped (SIGTERM, then waited for) on destruction.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace payintent::test {

// Two API keys for two tenants.
inline constexpr const char* acme_key = "sk_test_acme";
inline constexpr const char* other_key = "sk_test_other";

struct server_config {
  std::string store = "memory";
  std::string network_latency_ms = "0-0";
  std::string wait_budget_ms = "2000";
  std::vector<std::string> extra;  // more flags, e.g. {"--read-timeout-ms", "300"}
};

class server_process {
 public:
  // Starts the server and waits for its "listening on 127.0.0.1:PORT" line;
  // throws std::runtime_error (with its output) when it does not come.
  explicit server_process(server_config config = {});
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  std::uint16_t port() const { return port_; }
  // Everything the server wrote to stdout and stderr so far.
  std::string output() const;
  // Sends SIGTERM and waits; returns the exit status (as from waitpid).
  int stop();
  // Sends SIGKILL (a crash: nothing drains) and waits; returns the status.
  int kill_hard();

 private:
  int signal_and_wait(int signal);

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

// Runs the server with `args` to completion (for argument errors); returns
// its exit code, its output in `output`.
int run_server_to_exit(const std::vector<std::string>& args, std::string& output);

}  // namespace payintent::test
