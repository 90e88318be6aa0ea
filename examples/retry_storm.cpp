// retry_storm: many processes and threads retry the same charges at once
// against one store and one non-idempotent card network; then count.
//
//   retry_storm --store sqlite:/tmp/storm.db --processes 8 --threads 8 --keys 1
//               --network-latency-ms 20-80 --journal /tmp/storm.journal
//
// Every thread of every process charges each key once, so each key is sent
// processes x threads times. The fake card network of each process appends
// every authorization that moved money to the shared journal file; after the
// children exit, the parent reads the journal and the store and checks that
// money moved exactly once per key. One JSON line on stdout; exit 0 when
// exactly-once held, 1 when it did not (why on stderr), 2 on bad arguments.
// See docs/retry_storm.md.
#include "storm/storm_args.hpp"
#include "storm/verdict.hpp"
#include "storm/worker.hpp"

#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

using namespace payintent;
using namespace payintent::storm;

namespace {

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[65536];
  for (;;) {
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

// The child: opens its own store (after the fork, so no connection or thread
// crosses it), waits at the gate so all processes start together, storms,
// reports on `out` and exits without returning into the parent's stack.
[[noreturn]] void run_child(const storm_args& args, int index, int gate, int out) {
  worker_report report;
  diagnostics diag;
  if (auto store = open_store(args.store, &diag)) {
    char byte;
    while (::read(gate, &byte, 1) < 0 && errno == EINTR) {
    }  // EOF once the parent has forked every child
    report = run_worker(args, index, *store.value());
  } else {
    report.fatal = fmt::format("process {}: {}: {}", index, diag.message, store.error().message());
  }
  const bool sent = write_all(out, to_json(report));
  ::_exit(sent && report.fatal.empty() ? 0 : 3);
}

// Forks the processes and merges their reports. Adds to `problems` when a
// child dies, fails or sends something unreadable.
worker_report storm_in_processes(const storm_args& args, std::vector<std::string>& problems) {
  int gate[2];
  if (::pipe(gate) != 0) {
    problems.push_back("pipe() failed");
    return {};
  }
  struct child {
    pid_t pid;
    int out;
  };
  std::vector<child> children;
  for (int i = 0; i < args.processes; ++i) {
    int out[2];
    if (::pipe(out) != 0) {
      problems.push_back("pipe() failed");
      break;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      problems.push_back(fmt::format("fork() of process {} failed", i));
      ::close(out[0]);
      ::close(out[1]);
      break;
    }
    if (pid == 0) {
      ::close(gate[1]);
      ::close(out[0]);
      for (const auto& c : children) ::close(c.out);
      run_child(args, i, gate[0], out[1]);
    }
    ::close(out[1]);
    children.push_back({pid, out[0]});
  }
  ::close(gate[0]);
  ::close(gate[1]);  // opens the gate

  worker_report merged;
  merged.intents_by_key.resize(static_cast<std::size_t>(args.keys));
  for (std::size_t i = 0; i < children.size(); ++i) {
    // Read before waiting: a report larger than the pipe buffer would
    // otherwise block the child's write forever.
    const std::string text = read_all(children[i].out);
    ::close(children[i].out);
    int status = 0;
    while (::waitpid(children[i].pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (const auto report = report_from_json(text)) {
      merged.merge(*report);
    } else {
      problems.push_back(fmt::format("process {} sent no readable report", i));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      problems.push_back(fmt::format("process {} ended with status {:#x}", i, status));
    }
  }
  return merged;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_storm_args(argc, argv);
  if (auto* message = std::get_if<std::string>(&parsed)) {
    fmt::print(stderr, "retry_storm: {}\n\n{}", *message, storm_usage());
    return 2;
  }
  const storm_args args = std::get<storm_args>(std::move(parsed));
  if (args.help) {
    fmt::print("{}", storm_usage());
    return 0;
  }
  if (!std::ofstream(args.journal, std::ios::trunc)) {
    fmt::print(stderr, "retry_storm: cannot write the journal {}\n", args.journal);
    return 1;
  }

  std::vector<std::string> problems;
  worker_report merged;
  std::unique_ptr<idempotency_store> store;
  const auto started = std::chrono::steady_clock::now();
  if (args.store.shared_between_processes()) {
    // Fork first: the parent has no store connection and no thread yet.
    merged = storm_in_processes(args, problems);
  } else {
    // A memory store is private to a process: the storm runs in this one
    // (--processes 1 is enforced by the parser) and is judged on this store.
    diagnostics diag;
    auto opened = open_store(args.store, &diag);
    if (!opened) {
      fmt::print(stderr, "retry_storm: {}: {}\n", diag.message, opened.error().message());
      return 1;
    }
    store = std::move(opened).value();
    merged = run_worker(args, 0, *store);
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;

  if (!store) {
    diagnostics diag;
    auto opened = open_store(args.store, &diag);
    if (!opened) {
      for (const auto& p : problems) fmt::print(stderr, "retry_storm: {}\n", p);
      if (!merged.fatal.empty()) fmt::print(stderr, "retry_storm: {}\n", merged.fatal);
      fmt::print(stderr, "retry_storm: {}: {}\n", diag.message, opened.error().message());
      return 1;
    }
    store = std::move(opened).value();
  }
  verdict v = judge(args, merged, *store);
  v.problems.insert(v.problems.begin(), problems.begin(), problems.end());

  fmt::print("{}\n", summary_json(args, merged, v, elapsed.count()));
  std::fflush(stdout);
  if (v.ok()) return 0;
  constexpr std::size_t shown = 10;
  for (std::size_t i = 0; i < v.problems.size() && i < shown; ++i) {
    fmt::print(stderr, "retry_storm: NOT exactly once: {}\n", v.problems[i]);
  }
  if (v.problems.size() > shown) {
    fmt::print(stderr, "retry_storm: ... and {} more problems\n", v.problems.size() - shown);
  }
  if (!merged.first_error.empty()) {
    fmt::print(stderr, "retry_storm: first error: {}\n", merged.first_error);
  }
  return 1;
}
