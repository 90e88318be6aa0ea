// payintent_sim: the deterministic simulator (docs/simulation.md).
//
//   payintent_sim --seed S [--broken VARIANT]
//       runs seed S, prints its event log and any violation; exit 1 on one
//   payintent_sim --seeds A..B [--jobs N] [--broken VARIANT] [--expect violation]
//       runs seeds A to B, each in a child process, N at once (default 2);
//       prints a JSON summary; exit 1 when a seed violates an invariant (with
//       --expect violation: exit 0 when one did, 1 when none did)
//   payintent_sim --determinism S
//       runs seed S twice, in two processes, and compares their digests
//
// VARIANT: none, no_fence, reauthorize, no_void, late_void, undecided_void
// (simulation.hpp).
#include "common/cli.hpp"
#include "simulation.hpp"

#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace {

using payintent::sim::broken_variant;

constexpr std::string_view usage_text =
    "usage: payintent_sim --seed S | --seeds A..B [--jobs N] [--expect violation] | "
    "--determinism S   [--broken none|no_fence|reauthorize|no_void|late_void|undecided_void]\n";
// A seed whose child runs longer than this (real time) hangs: a failure.
constexpr auto child_deadline = std::chrono::seconds(60);

// Runs one seed in this process and ends it: exit 0 clean, 1 on a violation.
// Prints the log, the digest and any violation; `quiet`: the violations alone.
[[noreturn]] void run_and_exit(std::uint64_t seed, broken_variant broken, bool quiet) {
  const auto r = payintent::sim::run_simulation({seed, broken});
  if (!quiet) {
    for (const auto& line : r.log) fmt::print("{}\n", line);
    fmt::print("seed {} digest {}\n", seed, r.digest);
  }
  for (const auto& v : r.found) fmt::print("VIOLATION seed {}: {}\n", seed, v);
  if (quiet && !r.found.empty()) fmt::print("replay: payintent_sim --seed {}\n", seed);
  std::fflush(stdout);
  std::_Exit(r.found.empty() ? 0 : 1);  // parked threads: no destructors, no joins
}

struct child {
  std::uint64_t seed = 0;
  std::chrono::steady_clock::time_point started;
};

// What became of one child: 0 clean, 1 violation, 2 hang or crash.
int verdict_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? 0 : (WEXITSTATUS(status) == 1 ? 1 : 2);
  return 2;
}

int sweep(std::uint64_t first, std::uint64_t last, int jobs, broken_variant broken,
          bool expect_violation) {
  const auto began = std::chrono::steady_clock::now();
  std::map<pid_t, child> running;
  std::optional<std::uint64_t> first_violation, first_hang;
  std::uint64_t next = first, done = 0, violations = 0, hangs = 0;
  auto stop_after_violation = [&] { return expect_violation && first_violation; };
  while ((next <= last && !stop_after_violation()) || !running.empty()) {
    while (next <= last && static_cast<int>(running.size()) < jobs && !stop_after_violation()) {
      std::fflush(stdout);
      const pid_t pid = fork();
      if (pid < 0) return payintent::cli::usage_error("payintent_sim", "fork failed", usage_text);
      if (pid == 0) {
        // The failing seed's log goes to stdout only when a violation is not
        // what the caller expects.
        if (expect_violation) std::freopen("/dev/null", "w", stdout);
        run_and_exit(next, broken, true);
      }
      running[pid] = {next++, std::chrono::steady_clock::now()};
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      for (const auto& [p, c] : running) {
        if (std::chrono::steady_clock::now() - c.started > child_deadline) kill(p, SIGKILL);
      }
      usleep(2000);
      continue;
    }
    const child c = running[pid];
    running.erase(pid);
    ++done;
    switch (verdict_of(status)) {
      case 1:
        ++violations;
        if (!first_violation || c.seed < *first_violation) first_violation = c.seed;
        break;
      case 2:
        ++hangs;
        if (!first_hang) first_hang = c.seed;
        break;
      default:
        break;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  fmt::print(
      "{{\"seeds\":{},\"first\":{},\"broken\":\"{}\",\"violations\":{},\"first_violation\":{},"
      "\"hangs\":{},\"first_hang\":{},\"seconds\":{:.1f},\"seeds_per_s\":{:.1f}}}\n",
      done, first, payintent::sim::to_string(broken), violations,
      first_violation ? fmt::to_string(*first_violation) : "null", hangs,
      first_hang ? fmt::to_string(*first_hang) : "null", seconds,
      static_cast<double>(done) / seconds);
  if (hangs > 0) return 1;
  return expect_violation ? (violations > 0 ? 0 : 1) : (violations > 0 ? 1 : 0);
}

std::string digest_in_child(std::uint64_t seed) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    run_and_exit(seed, broken_variant::none, false);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::uint64_t> seed, determinism;
  std::uint64_t first = 0, last = 0;
  bool range = false, expect_violation = false;
  int jobs = 2;
  broken_variant broken = broken_variant::none;
  const auto exit_code = payintent::cli::parse_flags(
      argc, argv, "payintent_sim", usage_text, [&](std::string_view flag, std::string_view value) {
        if (flag == "--seed") {
          seed = payintent::cli::parse_int<std::uint64_t>(value, 0, UINT64_MAX);
          return seed.has_value();
        }
        if (flag == "--determinism") {
          determinism = payintent::cli::parse_int<std::uint64_t>(value, 0, UINT64_MAX);
          return determinism.has_value();
        }
        if (flag == "--seeds") {
          const auto dots = value.find("..");
          if (dots == std::string_view::npos) return false;
          auto a = payintent::cli::parse_int<std::uint64_t>(value.substr(0, dots), 0, UINT64_MAX);
          auto b = payintent::cli::parse_int<std::uint64_t>(value.substr(dots + 2), 0, UINT64_MAX);
          if (!a || !b || *b < *a) return false;
          first = *a;
          last = *b;
          range = true;
          return true;
        }
        if (flag == "--jobs") {
          jobs = payintent::cli::parse_int<int>(value, 1, 64).value_or(0);
          return jobs > 0;
        }
        if (flag == "--broken") return payintent::sim::parse_broken_variant(value, broken);
        if (flag == "--expect") {
          expect_violation = value == "violation";
          return value == "violation" || value == "clean";
        }
        return false;
      });
  if (exit_code) return *exit_code;
  if (determinism) {
    const auto a = digest_in_child(*determinism), b = digest_in_child(*determinism);
    if (a != b || a.empty()) {
      fmt::print("seed {}: two runs differ\n--- first\n{}--- second\n{}", *determinism, a, b);
      return 1;
    }
    fmt::print("seed {}: two runs identical ({} bytes of log)\n", *determinism, a.size());
    return 0;
  }
  if (range) return sweep(first, last, jobs, broken, expect_violation);
  if (seed) run_and_exit(*seed, broken, false);
  return payintent::cli::usage_error("payintent_sim", "--seed, --seeds or --determinism needed",
                                     usage_text);
}
