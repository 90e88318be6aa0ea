// libpayintent_slow_fsync.so: makes every fsync and fdatasync of a process
// take PAYINTENT_FSYNC_DELAY_US microseconds longer (default 4000), to show
// what a benchmark's figures become on a disk whose flushes are slow. For
// benchmarks only: LD_PRELOAD it into the program that writes (the bench
// program for SQLite, the server for PostgreSQL).
//
//   export PAYINTENT_FSYNC_DELAY_US=4000
//   export LD_PRELOAD=build/bench/libpayintent_slow_fsync.so
//   build/bench/payintent_bench --store sqlite:/var/tmp/b.db --threads 64
//
// The data still reaches the disk: the real call runs after the pause.
#include <dlfcn.h>
#include <time.h>

#include <cstdlib>

namespace {

long delay_us() {
  static const long delay = [] {
    const char* text = std::getenv("PAYINTENT_FSYNC_DELAY_US");
    return text != nullptr ? std::strtol(text, nullptr, 10) : 4000L;
  }();
  return delay;
}

void pause_before_flush() {
  const long us = delay_us();
  timespec ts{us / 1'000'000, (us % 1'000'000) * 1000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

using flush_fn = int (*)(int);

flush_fn real(const char* name) {
  return reinterpret_cast<flush_fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fsync(int fd) {
  static const flush_fn next = real("fsync");
  pause_before_flush();
  return next(fd);
}

extern "C" int fdatasync(int fd) {
  static const flush_fn next = real("fdatasync");
  pause_before_flush();
  return next(fd);
}
