#!/usr/bin/env bash
# Starts examples/http_server on a free loopback port with a 100-800 ms
# simulated card network, drives it with bench/http_load at a fixed rate, and
# prints http_load's JSON line. Bounded in time; the server is stopped on exit.
#
#   bench/http_load.sh [--rate R] [--seconds S] [--wait-budget-ms W]
#                      [--store memory|sqlite:PATH] [--plot FILE.svg]
#
# BUILD_DIR (default: build) must hold http_server and http_load:
#   cmake --build build --target http_server http_load
# --plot renders the latency distribution with gnuplot (installed if missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
rate=2000 seconds=10 budget=150 store=memory plot=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --wait-budget-ms) budget="$2"; shift 2 ;;
    --store) store="$2"; shift 2 ;;
    --plot) plot="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
server_pid=""
# Stops the server. A server that does not exit 0 after SIGTERM (it drains
# and exits 0: docs/http_server.md) fails the run, with its status and log.
cleanup() {
  local status=$? server_status=0
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || server_status=$?
    if [ "$server_status" != 0 ]; then
      echo "http_load.sh: http_server exited with status $server_status after SIGTERM; its log:" >&2
      cat "$work/server.log" >&2
      [ "$status" != 0 ] || status=1
    fi
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

timeout $((seconds + 120)) "$build/examples/http_server" --port 0 --store "$store" \
  --api-key sk_load=load --network-latency-ms 100-800 --wait-budget-ms "$budget" \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on' "$work/server.log" && break
  sleep 0.1
done
port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.log")"
[ -n "$port" ] || { echo "http_server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

status=0
timeout $((seconds + 60)) "$build/bench/http_load" --port "$port" --api-key sk_load \
  --rate "$rate" --seconds "$seconds" --latencies "$work/latencies.txt" || status=$?
[ "$status" = 0 ] || echo "http_load.sh: http_load exited with status $status" >&2

if [ -n "$plot" ]; then
  source "$root/scripts/lib.sh"
  install_missing "${PAYINTENT_PLOT_PACKAGES[@]}"
  n="$(wc -l <"$work/latencies.txt")"
  terminal=svg
  case "$plot" in *.png) terminal=pngcairo ;; esac
  gnuplot <<GNUPLOT
set terminal $terminal size 800,420 font "sans,11" background "white"
set output "$plot"
set title "http\\\\_server: $rate requests/s, network 100-800 ms, wait budget $budget ms ($n requests)"
set xlabel "latency (ms)"
set ylabel "requests per 2 ms bin (log)"
set logscale y
set grid
set xrange [0:*]
bin(x) = 2 * floor(x / 2) + 1
plot "$work/latencies.txt" using (bin(\$1)):(1) smooth frequency with boxes fill solid 0.5 notitle
GNUPLOT
  echo "plot written to $plot" >&2
fi
exit "$status"
