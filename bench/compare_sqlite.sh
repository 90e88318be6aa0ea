#!/usr/bin/env bash
# Library vs floor on SQLite, in one invocation so both see the same machine:
# payintent_bench --store sqlite:... and sqlite_floor, interleaved (library,
# floor at 1 thread, then library, floor at 16), S seconds each. Prints the
# raw JSON lines to stderr and a JSON summary to stdout with, per thread
# count, ratio = floor_charges_per_s / library_charges_per_s (how many times
# the floor's throughput the library's is below; the goal is <= 1.3).
#
#   bench/compare_sqlite.sh [--build DIR] [--seconds S] [--threads "1 16"] [--rounds R] [--dir DIR]
#
# --rounds: repeat the interleaved sequence R times (default 1). Each round's
#          ratio compares two neighbouring runs; the summary gives every
#          round and, per thread count, the median ratio. On a shared machine
#          fsync latency drifts within seconds, so use R >= 3 for a figure.
# --build: a Release build holding bench/payintent_bench and bench/sqlite_floor
#          (default: $PAYINTENT_BUILD_DIR, else ./build).
# --dir:   where the database files go; put it on the disk you mean to
#          measure, not a tmpfs (default: <build>/bench-data).
# Needs jq.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PAYINTENT_BUILD_DIR:-$root/build}"
seconds=5
threads="1 16"
rounds=1
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--seconds S] [--threads \"1 16\"] [--rounds R] [--dir DIR]" >&2; exit 2 ;;
  esac
done
dir="${dir:-$build/bench-data}"
lib="$build/bench/payintent_bench"
floor="$build/bench/sqlite_floor"
for exe in "$lib" "$floor"; do
  [ -x "$exe" ] || { echo "missing $exe: build targets payintent_bench and sqlite_floor" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }
mkdir -p "$dir"

runs=()
for round in $(seq 1 "$rounds"); do
  for n in $threads; do
    l="$("$lib" --store "sqlite:$dir/library.db" --threads "$n" --seconds "$seconds")"
    echo "$l" >&2
    f="$("$floor" --path "$dir/floor.db" --threads "$n" --seconds "$seconds")"
    echo "$f" >&2
    runs+=("$(jq -n --argjson round "$round" --argjson lib "$l" --argjson floor "$f" '{
        round: $round,
        threads: $lib.threads,
        library_charges_per_s: $lib.charges_per_s,
        floor_charges_per_s: $floor.charges_per_s,
        ratio: ($floor.charges_per_s / $lib.charges_per_s),
        library: $lib, floor: $floor}')")
  done
done
rm -f "$dir"/library.db* "$dir"/floor.db*
printf '%s\n' "${runs[@]}" | jq -s --argjson seconds "$seconds" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  {seconds: $seconds, goal_max_ratio: 1.3,
   summary: (group_by(.threads) | map({
     threads: .[0].threads,
     rounds: length,
     library_charges_per_s: (map(.library_charges_per_s) | median),
     floor_charges_per_s: (map(.floor_charges_per_s) | median),
     ratio: (map(.ratio) | median)})),
   runs: .}'
