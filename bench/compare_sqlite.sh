#!/usr/bin/env bash
# Library vs floor on SQLite, in one invocation so both see the same machine:
# payintent_bench --store sqlite:... at N threads (N charges at once), then
# sqlite_floor writing N charges per transaction (--batch N, one thread: the
# physical limit of a group commit of N), interleaved, S seconds each. Prints
# the raw JSON lines to stderr and a JSON summary to stdout with, per thread
# count:
#   ratio   = floor_charges_per_s / library_charges_per_s (how many times the
#             floor's throughput the library's is below; goal <= 1.5)
#   speedup = library_charges_per_s / the library's at 1 thread in the same
#             round (what concurrency buys; goal >= 4 at 64 on a fast disk,
#             >= 10 when fsync takes 1 ms or more)
#
#   bench/compare_sqlite.sh [--build DIR] [--seconds S] [--threads "1 64"] [--rounds R] [--dir DIR]
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
threads="1 64"
rounds=1
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--seconds S] [--threads \"1 64\"] [--rounds R] [--dir DIR]" >&2; exit 2 ;;
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
    f="$("$floor" --path "$dir/floor.db" --threads 1 --batch "$n" --seconds "$seconds")"
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
  (map(select(.threads == 1)) | map({key: (.round | tostring), value: .library_charges_per_s})
   | from_entries) as $alone
  | map(. + {speedup: (if $alone[.round | tostring] then
                         .library_charges_per_s / $alone[.round | tostring] else null end)})
  | {seconds: $seconds, goal_max_ratio: 1.5,
     summary: (group_by(.threads) | map({
       threads: .[0].threads,
       rounds: length,
       library_charges_per_s: (map(.library_charges_per_s) | median),
       floor_charges_per_s: (map(.floor_charges_per_s) | median),
       ratio: (map(.ratio) | median),
       speedup: (map(.speedup) | if all(. != null) then median else null end)})),
     runs: .}'
