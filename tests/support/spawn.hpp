// Starting a test's helper program as a child process (crash_child, http_server).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace payintent::test {

// Starts `program` with `args` (argv[0] is `program`). Its stdout goes to
// `stdout_path` (created or truncated); its stderr too when `merge_stderr`,
// otherwise it shares this process's. Returns the pid, or -1 with the
// posix_spawn error number in `error`.
pid_t spawn_program(const std::string& program, const std::vector<std::string>& args,
                    const std::string& stdout_path, bool merge_stderr, int& error);

}  // namespace payintent::test
