#include "http/server_process.hpp"

#include "support/spawn.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace payintent::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string fresh_log_path() {
  static int counter = 0;
  return "/tmp/payintent_http_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter) +
         ".log";
}

// Starts PAYINTENT_HTTP_SERVER with `args`, stdout and stderr to `log`.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  int error = 0;
  const pid_t pid = spawn_program(PAYINTENT_HTTP_SERVER, args, log, true, error);
  if (pid < 0)
    throw std::runtime_error("cannot start http_server: " + std::string(std::strerror(error)));
  return pid;
}

}  // namespace

server_process::server_process(server_config config) : log_path_(fresh_log_path()) {
  std::vector<std::string> args{"--port",
                                "0",
                                "--store",
                                config.store,
                                "--api-key",
                                std::string(acme_key) + "=acme",
                                "--api-key",
                                std::string(other_key) + "=other",
                                "--network-latency-ms",
                                config.network_latency_ms,
                                "--wait-budget-ms",
                                config.wait_budget_ms};
  args.insert(args.end(), config.extra.begin(), config.extra.end());
  pid_ = spawn(args, log_path_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const std::string marker = "listening on 127.0.0.1:";
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = read_file(log_path_);
    if (const auto at = out.find(marker);
        at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::stoi(out.substr(at + marker.size())));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("http_server exited early: " + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop();
  throw std::runtime_error("http_server did not start: " + read_file(log_path_));
}

server_process::~server_process() {
  stop();
  std::remove(log_path_.c_str());
}

std::string server_process::output() const {
  return read_file(log_path_);
}

int server_process::stop() {
  return signal_and_wait(SIGTERM);
}

int server_process::kill_hard() {
  return signal_and_wait(SIGKILL);
}

int server_process::signal_and_wait(int signal) {
  if (pid_ <= 0) return 0;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

int run_server_to_exit(const std::vector<std::string>& args, std::string& output) {
  const std::string log = fresh_log_path();
  const pid_t pid = spawn(args, log);
  int status = 0;
  waitpid(pid, &status, 0);
  output = read_file(log);
  std::remove(log.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace payintent::test
