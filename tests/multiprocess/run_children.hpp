// Forks child processes that start together, for the multi-process races
// (tests/sqlite/test_sqlite_multiprocess.cpp, test_refund_race.cpp).
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <vector>

namespace payintent::multiprocess_test {

// Forks `count` children that start together (a pipe's EOF is the gate),
// each running `child(c)` and exiting 0, and waits for them all. Fork with
// no thread of the parent's running: its stores and services closed.
inline void run_children(int count, const std::function<void(int)>& child) {
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> children;
  for (int c = 0; c < count; ++c) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char byte;
      (void)::read(gate[0], &byte, 1);  // returns at EOF: every child starts together
      child(c);
      ::_exit(0);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  for (const pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

}  // namespace payintent::multiprocess_test
