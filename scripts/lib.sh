# Shared by scripts/demo and scripts/test: install what is missing, configure.
# Sourced, not run.
set -euo pipefail

PAYINTENT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${PAYINTENT_BUILD_DIR:-$PAYINTENT_ROOT/build}"
# Let ccache share objects between build directories (the packaging test
# builds the library again as a consumer would).
export CCACHE_BASEDIR="$PAYINTENT_ROOT" CCACHE_NOHASHDIR=true

# Debian 12 packages; nothing is vendored or downloaded. What the build of
# the library, the SQLite and memory stores and the examples needs (the
# demo); doctest because a build directory configures the tests too.
PAYINTENT_BUILD_PACKAGES=(g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libsqlite3-dev libfmt-dev doctest-dev libssl-dev)
# What scripts/test needs besides: the PostgreSQL store and a server for its
# tests (PgBouncer in front of it, pg_auto_failover around it), the hardening
# tools (scripts/fuzz, tidy, model), and headless Chromium for tests/browser.
PAYINTENT_TEST_PACKAGES=(libpq-dev postgresql-15 pgbouncer postgresql-15-auto-failover
  clang libclang-rt-14-dev clang-tidy spin
  python3 chromium chromium-driver)
# Only bench/http_load.sh --plot needs it.
PAYINTENT_PLOT_PACKAGES=(gnuplot-nox)

# install_missing <package>...: apt-get installs only what dpkg lacks.
install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# configure <build type> [cmake args...]
# RelWithDebInfo keeps line tables only (-g1): backtraces and sanitizer
# reports name files and lines, and the build is a quarter faster than -g.
configure() {
  local type="$1"; shift
  cmake -S "$PAYINTENT_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >/dev/null
}

jobs() { nproc 2>/dev/null || echo 2; }
