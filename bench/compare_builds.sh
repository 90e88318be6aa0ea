#!/usr/bin/env bash
# Two builds of payintent_bench --store memory, compared as ratios taken in
# one invocation: the old and the new build alternate, R rounds of S seconds
# each, and each round's ratio (new / old charges/s) comes from two
# neighbouring runs. On a shared VM whose speed drifts by a quarter within
# minutes, this is how a change is judged (docs/benchmarks.md). Prints the
# raw JSON lines to stderr and a JSON summary to stdout: per build the median
# charges/s, per round the ratio, and the median ratio.
#
#   bench/compare_builds.sh --old DIR --new DIR [--threads N] [--seconds S] [--rounds R]
#
# DIR: a Release build holding bench/payintent_bench (for the old one, a
# git worktree of the older commit, built the same way). Needs jq.
set -euo pipefail

old="" new="" threads=2 seconds=1.5 rounds=16
while [ $# -gt 0 ]; do
  case "$1" in
    --old) old="$2"; shift 2 ;;
    --new) new="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: $0 --old DIR --new DIR [--threads N] [--seconds S] [--rounds R]" >&2; exit 2 ;;
  esac
done
if [ -z "$old" ] || [ -z "$new" ]; then
  echo "$0: --old and --new are required" >&2
  exit 2
fi
for dir in "$old" "$new"; do
  [ -x "$dir/bench/payintent_bench" ] || { echo "missing $dir/bench/payintent_bench" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }

run() {  # run <label> <build dir> <round>
  local r
  r="$("$2/bench/payintent_bench" --store memory --threads "$threads" --seconds "$seconds")"
  echo "$r" >&2
  jq -c --arg build "$1" --argjson round "$3" '. + {build: $build, round: $round}' <<<"$r"
}

runs=()
for round in $(seq 1 "$rounds"); do
  runs+=("$(run old "$old" "$round")" "$(run new "$new" "$round")")
done
printf '%s\n' "${runs[@]}" | jq -s --argjson threads "$threads" --argjson seconds "$seconds" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  (group_by(.round) | map({round: .[0].round,
     ratio: ((map(select(.build == "new"))[0].charges_per_s) /
             (map(select(.build == "old"))[0].charges_per_s))})) as $rounds
  | {threads: $threads, seconds: $seconds,
     errors: (map(.errors) | add),
     old_charges_per_s: (map(select(.build == "old") | .charges_per_s) | median),
     new_charges_per_s: (map(select(.build == "new") | .charges_per_s) | median),
     median_ratio_new_over_old: ($rounds | map(.ratio) | median),
     rounds: $rounds}'
