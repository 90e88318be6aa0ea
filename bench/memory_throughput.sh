#!/usr/bin/env bash
# The memory store's throughput goal, measured in one invocation: runs
# payintent_bench --store memory at 1 thread and at 2, alternating, R rounds
# of S seconds each. Prints the raw JSON lines to stderr and a JSON summary
# to stdout: per thread count the median charges/s, p50 and p99, the goal
# (200 000 charges/s with 2 threads) and whether the median met it, and the
# scaling ratio (2-thread median / 1-thread median) taken from the same runs.
#
#   bench/memory_throughput.sh [--build DIR] [--seconds S] [--rounds R]
#
# --build: a Release build holding bench/payintent_bench
#          (default: $PAYINTENT_BUILD_DIR, else ./build).
# Needs jq.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PAYINTENT_BUILD_DIR:-$root/build}"
seconds=5
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--seconds S] [--rounds R]" >&2; exit 2 ;;
  esac
done
bench="$build/bench/payintent_bench"
[ -x "$bench" ] || { echo "missing $bench: build target payintent_bench" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }

runs=()
for round in $(seq 1 "$rounds"); do
  for n in 1 2; do
    r="$("$bench" --store memory --threads "$n" --seconds "$seconds")"
    echo "$r" >&2
    runs+=("$(jq -c --argjson round "$round" '. + {round: $round}' <<<"$r")")
  done
done
printf '%s\n' "${runs[@]}" | jq -s --argjson seconds "$seconds" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  (group_by(.threads) | map({
     threads: .[0].threads,
     rounds: length,
     charges_per_s: (map(.charges_per_s) | median),
     p50_us: (map(.p50_us) | median),
     p99_us: (map(.p99_us) | median),
     errors: (map(.errors) | add)})) as $summary
  | ($summary | map(select(.threads == 1))[0].charges_per_s) as $one
  | ($summary | map(select(.threads == 2))[0].charges_per_s) as $two
  | {seconds: $seconds,
     goal_charges_per_s_2_threads: 200000,
     goal_met: ($two >= 200000),
     scaling_2_over_1: ($two / $one),
     summary: $summary,
     runs: .}'
